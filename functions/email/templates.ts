import { CompiledEmails } from './domain/settings';
import { TemplateRenderer } from './domain/render';
import { compiledEmails } from './generated/compiled';

/**
 * The compiled email content (settings and templates), validated as this module loads: a function with a
 * broken build output never serves. MJML is not here: it ran at build time (`npm run email -- build`).
 */
export const emails = CompiledEmails.parse(compiledEmails);

export const renderer = new TemplateRenderer(emails);
