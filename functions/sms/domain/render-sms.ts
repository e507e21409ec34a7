import { Liquid, type Template } from 'liquidjs';
import type { Contact } from '../../shared/contact';
import { countParts, type MessageParts } from './message-parts';
import { UnknownSmsTemplate, type SmsTemplateFile } from './sms-template';

/** A template failed to render (a Liquid error): a content bug, not retried. */
export class SmsRenderFailed extends Error {
  override name = 'SmsRenderFailed';
}

/** A rendered text and how carriers will count it. */
export interface RenderedSms {
  readonly text: string;
  readonly parts: MessageParts;
}

/**
 * Renders SMS templates with Liquid, with the variables and filters email templates use: `contact.*` (attributes,
 * `email`, `contact_id`), `data.*` and `company.*` (content/email.yaml's address and website). Parsed once, when
 * the renderer is built; nothing is HTML-escaped (a text is not HTML). Runs of whitespace are collapsed (YAML
 * folding and Liquid tags leave them), since every character is paid for.
 */
export class SmsRenderer {
  private readonly templates = new Map<string, { readonly meta: SmsTemplateFile; readonly body: Template[] }>();
  private readonly engine: Liquid;

  constructor(
    templates: ReadonlyMap<string, SmsTemplateFile>,
    private readonly company: { readonly address: string; readonly website: string },
    options: { readonly strict?: boolean } = {},
  ) {
    this.engine = new Liquid({ strictVariables: options.strict ?? false, strictFilters: true, cache: false });
    for (const template of templates.values()) this.templates.set(template.id, { meta: template, body: this.engine.parse(template.body) });
  }

  has(templateId: string): boolean {
    return this.templates.has(templateId);
  }

  render(templateId: string, contact: Contact, data: Readonly<Record<string, unknown>> = {}): RenderedSms {
    const template = this.templates.get(templateId);
    if (!template) throw new UnknownSmsTemplate(`no SMS template "${templateId}"`);
    let text: string;
    try {
      const variables = { contact: { ...contact.attributes, email: contact.email, contact_id: contact.contactId }, data, company: this.company };
      text = (this.engine.renderSync(template.body, variables) as string).replace(/[ \t]+/g, ' ').replace(/ *\n */g, '\n').trim();
    } catch (error) {
      throw new SmsRenderFailed(`SMS template ${templateId} failed to render: ${(error as Error).message}`, { cause: error });
    }
    return { text, parts: countParts(text) };
  }
}
