import * as z from 'zod';
import { ENDPOINT_FIELD_ATTRIBUTES, attributeName } from './common';
import { ReportBuilder } from './report';

/**
 * Pinpoint message templates (GetEmailTemplate's EmailTemplateResponse, GetSmsTemplate's SMSTemplateResponse) as our
 * content: an email template folder (`content/emails/<id>/template.yaml` + `body.mjml`) and an SMS template
 * (`content/sms/<id>.yaml`). Pinpoint's Handlebars variables become our Liquid variables on the contact, with the
 * template's default substitutions as `default:` filters (the email build requires one on every contact output).
 * Pure.
 */

export const EmailTemplateResponse = z.looseObject({
  TemplateName: z.string().min(1),
  TemplateType: z.string().optional(),
  Subject: z.string().optional(),
  HtmlPart: z.string().optional(),
  TextPart: z.string().optional(),
  DefaultSubstitutions: z.string().optional(),
  TemplateDescription: z.string().optional(),
  RecommenderId: z.string().optional(),
});
export type EmailTemplateResponse = z.infer<typeof EmailTemplateResponse>;

export const SmsTemplateResponse = z.looseObject({
  TemplateName: z.string().min(1),
  TemplateType: z.string().optional(),
  Body: z.string().optional(),
  DefaultSubstitutions: z.string().optional(),
  TemplateDescription: z.string().optional(),
  RecommenderId: z.string().optional(),
});
export type SmsTemplateResponse = z.infer<typeof SmsTemplateResponse>;

const TEMPLATE_METADATA = new Set(['TemplateName', 'TemplateType', 'Arn', 'CreationDate', 'LastModifiedDate', 'Version', 'tags', 'TemplateDescription']);

type Channel = 'email' | 'sms';

/** A Pinpoint variable as our Liquid variable, or why it has none. */
export function liquidVariable(name: string, channel: Channel): { variable: string } | { error: string } {
  const path = name.trim();
  if (path === 'Address') return { variable: channel === 'email' ? 'contact.email' : 'contact.phone' };
  const field = ENDPOINT_FIELD_ATTRIBUTES[path];
  if (field) return { variable: `contact.${field}` };
  const attribute = /^(?:User\.UserAttributes|Attributes|Metrics)\.([\w-]+)$/.exec(path);
  if (attribute) return { variable: `contact.${attributeName(attribute[1]!)}` };
  if (path === 'User.UserId') return { error: 'the Pinpoint user id is the contact\'s externalId, which templates do not see' };
  return { error: `"${path}" is an endpoint field (device, channel, status) contacts do not have here` };
}

function liquidString(text: string): string {
  // Single quotes: an output may sit in a double-quoted HTML attribute (`href="…?plan={{ x | default: '' }}"`).
  return text.includes("'") ? `"${text.replaceAll('"', '')}"` : `'${text}'`;
}

/**
 * A Handlebars template (Pinpoint's dialect) as Liquid: variables with their defaults, `#if` / `#unless` / `else`,
 * the `upper` / `lower` / `capitalize` helpers. What cannot be translated is removed and reported.
 */
export function translateHandlebars(source: string, channel: Channel, defaults: Readonly<Record<string, string>>, report: ReportBuilder, where: string): string {
  const blocks: string[] = [];
  return source.replace(/\{\{\{?\s*([^}]*?)\s*\}?\}\}/g, (whole, inner: string) => {
    const expression = inner.trim();
    if (expression.startsWith('!')) {
      report.translated(`${where}: ${whole}`, 'a Handlebars comment: removed');
      return '';
    }
    const block = /^#(if|unless)\s+([\w.-]+)$/.exec(expression);
    if (block) {
      const variable = liquidVariable(block[2]!, channel);
      if ('error' in variable) {
        report.notTranslated(`${where}: ${whole}`, `${variable.error}; the condition is read as false`);
        blocks.push(block[1]!);
        return `{% ${block[1]} false %}`;
      }
      blocks.push(block[1]!);
      report.translated(`${where}: ${whole}`, `{% ${block[1]} ${variable.variable} %}`);
      return `{% ${block[1]} ${variable.variable} %}`;
    }
    if (expression === 'else') {
      report.translated(`${where}: ${whole}`, '{% else %}');
      return '{% else %}';
    }
    const close = /^\/(if|unless|each|with|eq|and|or)$/.exec(expression);
    if (close) {
      if (close[1] === 'if' || close[1] === 'unless') {
        blocks.pop();
        return `{% end${close[1]} %}`;
      }
      return '';
    }
    if (expression.startsWith('#')) {
      report.notTranslated(`${where}: ${whole}`, 'a block helper with no Liquid equivalent in this importer; the helper tags are removed (their content stays)');
      return '';
    }
    const helper = /^(upper|lower|capitalize)\s+([\w.-]+)$/.exec(expression);
    const name = helper ? helper[2]! : expression;
    if (!/^[\w.-]+$/.test(name)) {
      report.notTranslated(`${where}: ${whole}`, 'a helper with no Liquid equivalent in this importer; removed');
      return '';
    }
    const variable = liquidVariable(name, channel);
    if ('error' in variable) {
      report.notTranslated(`${where}: ${whole}`, `${variable.error}; removed`);
      return '';
    }
    const filter = helper ? ` | ${{ upper: 'upcase', lower: 'downcase', capitalize: 'capitalize' }[helper[1] as 'upper']}` : '';
    const fallback = defaults[name];
    const needsDefault = variable.variable !== 'contact.email';
    const liquid = `{{ ${variable.variable}${needsDefault ? ` | default: ${liquidString(fallback ?? '')}` : ''}${filter} }}`;
    report.translated(`${where}: ${whole}`, `${liquid}${fallback !== undefined ? ' (the template\'s default substitution)' : ''}`);
    return liquid;
  });
}

/** Default substitutions: Pinpoint stores them as a JSON string of variable → value. */
function defaultsOf(text: string | undefined, report: ReportBuilder): Record<string, string> {
  if (text === undefined || text.trim() === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    report.translated('DefaultSubstitutions', `defaults of ${Object.keys(parsed).length} variables, as default: filters`);
    return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, String(value)]));
  } catch {
    report.notTranslated('DefaultSubstitutions', 'is not a JSON object of variable → value; no defaults');
    return {};
  }
}

function unknownKeys(template: Record<string, unknown>, known: readonly string[], report: ReportBuilder): void {
  for (const key of Object.keys(template).sort()) {
    if (key === 'RecommenderId') report.notTranslated(key, 'Amazon Personalize recommendations have no equivalent here');
    else if (!TEMPLATE_METADATA.has(key) && !known.includes(key)) report.notTranslated(key, 'not a construct the importer knows');
  }
}

export interface EmailTemplateFiles {
  readonly id: string;
  /** `template.yaml`'s content. */
  readonly meta: { name: string; kind: 'marketing'; topic: string; subject: string; preheader: string; tracking: { opens: boolean; clicks: boolean } };
  /** `body.mjml`: the HTML body inside one section of the shared layout. */
  readonly body: string;
}

/**
 * An email template as our folder. Pinpoint templates have no topic: `topic` (the importer's `--topic`) is the one
 * their sends belong to. The HTML's body goes into the shared layout (which adds the footer with the unsubscribe
 * link and postal address); the text part is generated from the HTML by the build, so Pinpoint's TextPart is not used.
 */
export function translateEmailTemplate(template: EmailTemplateResponse, id: string, topic: string): { files: EmailTemplateFiles; report: ReportBuilder } {
  const report = new ReportBuilder('email-template', template.TemplateName, `content/emails/${id}/`);
  report.translated('TemplateName', `template "${id}" (kind marketing, topic "${topic}": Pinpoint templates have no topic; --topic chooses it)`);
  unknownKeys(template, ['Subject', 'HtmlPart', 'TextPart', 'DefaultSubstitutions', 'RecommenderId'], report);
  const defaults = defaultsOf(template.DefaultSubstitutions, report);
  let subject = template.Subject ? translateHandlebars(template.Subject, 'email', defaults, report, 'Subject') : '';
  if (subject.trim() === '') {
    subject = template.TemplateName;
    report.approximated('Subject', 'the template has no subject: its name is the subject; write one');
  } else report.translated('Subject', 'the subject');
  let html: string;
  if (template.HtmlPart) {
    const bodyMatch = /<body[^>]*>([\s\S]*)<\/body>/i.exec(template.HtmlPart);
    html = bodyMatch ? bodyMatch[1]! : template.HtmlPart.replace(/<!doctype[^>]*>|<\/?html[^>]*>|<head[\s\S]*?<\/head>/gi, '');
    if (/<head[\s\S]*?<style/i.test(template.HtmlPart)) report.notTranslated('HtmlPart <head>', 'its <style> is not kept: the shared layout (content/emails/_layout) styles every email; inline what matters');
    report.translated('HtmlPart', 'the HTML body, inside the shared layout (which adds the footer: unsubscribe link and postal address)');
    if (template.TextPart) report.approximated('TextPart', 'not used: the text part is generated from the HTML at build time');
  } else if (template.TextPart) {
    html = template.TextPart.split(/\n{2,}/).map((paragraph) => `<p>${escapeHtml(paragraph).replaceAll('\n', '<br>')}</p>`).join('\n');
    report.approximated('TextPart', 'the template has only a text part: its paragraphs become the HTML body');
  } else {
    html = '<p></p>';
    report.notTranslated('HtmlPart/TextPart', 'the template has no body: an empty one is written; write it');
  }
  const translated = translateHandlebars(html.trim(), 'email', defaults, report, 'HtmlPart');
  const body = ['<mj-section>', '  <mj-column>', '    <mj-text>', indent(translated, 6), '    </mj-text>', '  </mj-column>', '</mj-section>', ''].join('\n');
  const name = (template.TemplateDescription?.trim() || template.TemplateName).slice(0, 200);
  return { files: { id, meta: { name, kind: 'marketing', topic, subject: subject.slice(0, 300), preheader: '', tracking: { opens: true, clicks: true } }, body }, report };
}

/** An SMS template as `content/sms/<id>.yaml` (the SMS contract: id, name, body). */
export function translateSmsTemplate(template: SmsTemplateResponse, id: string): { file: { id: string; name: string; body: string }; report: ReportBuilder } {
  const report = new ReportBuilder('sms-template', template.TemplateName, `content/sms/${id}.yaml`);
  report.translated('TemplateName', `SMS template "${id}"`);
  unknownKeys(template, ['Body', 'DefaultSubstitutions', 'RecommenderId'], report);
  const defaults = defaultsOf(template.DefaultSubstitutions, report);
  const body = translateHandlebars(template.Body ?? '', 'sms', defaults, report, 'Body');
  if (!template.Body) report.notTranslated('Body', 'the template has no body: an empty one is written; write it');
  else report.translated('Body', 'the message text');
  return { file: { id, name: (template.TemplateDescription?.trim() || template.TemplateName).slice(0, 200), body }, report };
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function indent(text: string, spaces: number): string {
  return text
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : `${' '.repeat(spaces)}${line.trim()}`))
    .join('\n');
}
