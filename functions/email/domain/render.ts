import { Liquid, type Template } from 'liquidjs';
import type { Contact } from '../../shared/contact';
import type { CompiledEmails, CompiledTemplate, TemplateMeta } from './settings';

/** The variables a template sees. Every `contact.*` and `data.*` output carries a `default` (the build checks). */
export interface RenderContext {
  /** The contact's attributes flattened (`first_name`, `company`, …), plus `email` and `contact_id`. */
  readonly contact: Readonly<Record<string, unknown>>;
  /** Extra values of this send (journey step or API caller). */
  readonly data: Readonly<Record<string, unknown>>;
  readonly links: { readonly unsubscribe: string; readonly preferences: string; readonly confirm?: string };
}

export interface RenderedEmail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

/** A template id that is not in the compiled module. */
export class UnknownTemplate extends Error {
  override name = 'UnknownTemplate';
}

/** A template failed to render (a Liquid error, or a missing variable in strict mode): a content bug, not retried. */
export class TemplateRenderFailed extends Error {
  override name = 'TemplateRenderFailed';
}

interface Prepared {
  readonly meta: TemplateMeta;
  readonly subject: Template[];
  readonly preheader: Template[];
  readonly html: Template[];
  readonly text: Template[];
}

export interface RendererOptions {
  /**
   * Fail on any undefined variable, `default` or not: the tests render every template this way with a complete
   * sample contact, so a typo in a variable name cannot ship. @default false
   */
  readonly strict?: boolean;
}

/**
 * Renders compiled templates with Liquid. Templates are parsed once, when the renderer is built (cold start);
 * a render is then two or three synchronous Liquid passes. HTML output escapes every value; the subject and text
 * part do not (they are not HTML).
 */
export class TemplateRenderer {
  private readonly templates = new Map<string, Prepared>();
  private readonly company: { readonly address: string; readonly website: string };

  constructor(
    compiled: CompiledEmails,
    options: RendererOptions = {},
  ) {
    const strict = options.strict ?? false;
    const common = { strictVariables: strict, strictFilters: true, cache: false } as const;
    const htmlEngine = new Liquid({ ...common, outputEscape: 'escape' });
    const plainEngine = new Liquid(common);
    for (const template of compiled.templates) this.templates.set(template.id, prepare(template, htmlEngine, plainEngine));
    this.htmlEngine = htmlEngine;
    this.plainEngine = plainEngine;
    this.company = { address: compiled.settings.physicalAddress, website: compiled.settings.website };
  }

  private readonly htmlEngine: Liquid;
  private readonly plainEngine: Liquid;

  ids(): string[] {
    return [...this.templates.keys()];
  }

  meta(templateId: string): TemplateMeta {
    return this.get(templateId).meta;
  }

  has(templateId: string): boolean {
    return this.templates.has(templateId);
  }

  /** Renders one template; `override.subject` (Liquid, same variables) replaces the template's subject line. */
  render(templateId: string, context: RenderContext, override: { readonly subject?: string } = {}): RenderedEmail {
    const template = this.get(templateId);
    try {
      const base = { ...context, company: this.company };
      const subjectTemplate = override.subject === undefined ? template.subject : this.subjectOverride(override.subject);
      const subject = oneLine(this.plainEngine.renderSync(subjectTemplate, base) as string);
      const preheader = oneLine(this.plainEngine.renderSync(template.preheader, base) as string);
      const full = { ...base, email: { subject, preheader } };
      const html = this.htmlEngine.renderSync(template.html, full) as string;
      const text = this.plainEngine.renderSync(template.text, full) as string;
      return { subject, html, text };
    } catch (error) {
      throw new TemplateRenderFailed(`template ${templateId} failed to render: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** Override subjects (experiment arms: a handful), parsed once each. */
  private readonly subjects = new Map<string, Template[]>();

  private subjectOverride(subject: string): Template[] {
    const parsed = this.subjects.get(subject) ?? this.plainEngine.parse(subject);
    this.subjects.set(subject, parsed);
    return parsed;
  }

  private get(templateId: string): Prepared {
    const template = this.templates.get(templateId);
    if (!template) throw new UnknownTemplate(`no email template "${templateId}"`);
    return template;
  }
}

function prepare(template: CompiledTemplate, htmlEngine: Liquid, plainEngine: Liquid): Prepared {
  return {
    meta: template.meta,
    subject: plainEngine.parse(template.meta.subject),
    preheader: plainEngine.parse(template.meta.preheader),
    html: htmlEngine.parse(template.html),
    text: plainEngine.parse(template.text),
  };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The `contact` variable: attributes flattened, with the email and id (which are not attributes). */
export function contactVariables(contact: Contact): Record<string, unknown> {
  return { ...contact.attributes, email: contact.email, contact_id: contact.contactId };
}

export interface TrackedLinks {
  readonly html: string;
  readonly text: string;
  /** The original URLs, by link index (what a click token's index points at). */
  readonly links: readonly string[];
}

/**
 * Rewrites every http(s) link of the HTML part through `tracked(index)`, and the same URLs in the text part,
 * except links for which `keep` is true (the unsubscribe and preference links, which must work as they are).
 * The originals are returned by index: a click token carries only the index, so it can never redirect
 * anywhere the email did not link to.
 */
export function trackLinks(
  email: { readonly html: string; readonly text: string },
  tracked: (index: number) => string,
  keep: (url: string) => boolean,
): TrackedLinks {
  const links: string[] = [];
  const indexOf = (url: string) => {
    let index = links.indexOf(url);
    if (index < 0) index = links.push(url) - 1;
    return index;
  };
  const html = email.html.replace(/href="(https?:\/\/[^"]+)"/g, (whole, escaped: string) => {
    const url = unescapeHtml(escaped);
    return keep(url) ? whole : `href="${tracked(indexOf(url))}"`;
  });
  let text = email.text;
  links.forEach((url, index) => {
    text = text.split(`[${url}]`).join(`[${tracked(index)}]`);
  });
  return { html, text, links };
}

/** Adds the 1×1 open pixel at the end of the body. */
export function addOpenPixel(html: string, pixelUrl: string): string {
  const pixel = `<img src="${pixelUrl}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0" />`;
  const at = html.lastIndexOf('</body>');
  return at < 0 ? html + pixel : html.slice(0, at) + pixel + html.slice(at);
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
