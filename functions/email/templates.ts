import * as z from 'zod';
import { CompiledTemplate, type CompiledEmails } from './domain/settings';
import { TemplateRenderer } from './domain/render';
import { emailSettings } from './email-settings';
import { compiledTemplates } from './generated/compiled';

/**
 * The compiled email content (settings and templates), validated as this module loads: a function with a
 * broken build output never serves. MJML is not here: it ran at build time (`npm run email -- build`).
 */
export const emails: CompiledEmails = { settings: emailSettings, templates: z.array(CompiledTemplate).parse(compiledTemplates) };

export const renderer = new TemplateRenderer(emails);
