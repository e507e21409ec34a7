import * as z from 'zod';

/**
 * Email settings (content/email.yaml) and template metadata (content/emails/<id>/template.yaml), as marketers
 * write them. Both are validated when the templates are compiled (`npm run email -- build`, the test suite) and
 * again when a function loads the compiled module, so a broken file never deploys.
 */

const topicId = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'topic ids are lower-kebab-case');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time is HH:MM (24 h)');

export const Topic = z.strictObject({
  id: topicId,
  label: z.string().min(1).max(100),
  description: z.string().max(300).optional(),
});
export type Topic = z.infer<typeof Topic>;

export const EmailSettings = z
  .strictObject({
    sender: z.strictObject({
      /** `Name <address>` or a bare address, of an SES-verified identity. */
      from: z.string().min(3),
      replyTo: z.string().email().optional(),
      /** A mailbox for `List-Unsubscribe: <mailto:…>`; the https one-click link is always present. */
      unsubscribeMailto: z.string().email().optional(),
    }),
    website: z.url(),
    physicalAddress: z.string().min(10).max(300),
    topics: z.array(Topic).min(1),
    frequencyCap: z.strictObject({ max: z.int().min(1).max(100), days: z.int().min(1).max(60) }),
    sendWindow: z.strictObject({ start: hhmm, end: hhmm, defaultTimeZone: z.string().min(1) }),
    doubleOptIn: z.strictObject({
      consentTextVersion: z.string().min(1).max(40),
      reminderAfterDays: z.int().min(1).max(60),
    }),
    tracking: z
      .strictObject({
        /** A click this soon after the send is a link scanner's, not a reader's (`machine: true`). */
        scannerWindowSeconds: z.int().min(0).max(3_600).default(10),
      })
      .default({ scannerWindowSeconds: 10 }),
  })
  .superRefine((settings, ctx) => {
    const ids = settings.topics.map((topic) => topic.id);
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate) ctx.addIssue({ code: 'custom', message: `duplicate topic "${duplicate}"`, path: ['topics'] });
    if (ids.includes('all')) ctx.addIssue({ code: 'custom', message: '"all" is reserved', path: ['topics'] });
    if (!isTimeZone(settings.sendWindow.defaultTimeZone)) {
      ctx.addIssue({ code: 'custom', message: 'not an IANA time zone', path: ['sendWindow', 'defaultTimeZone'] });
    }
    if (settings.sendWindow.start >= settings.sendWindow.end) {
      ctx.addIssue({ code: 'custom', message: 'the window must start before it ends', path: ['sendWindow'] });
    }
  });
export type EmailSettings = z.infer<typeof EmailSettings>;

/**
 * A template's metadata. `marketing` emails carry a topic, the unsubscribe footer and headers and pass every
 * guard; `transactional` ones (a confirmation, "a rep will call") are exempt from the topic, cap and window.
 */
export const TemplateMeta = z.discriminatedUnion('kind', [
  z.strictObject({
    name: z.string().min(1).max(200),
    kind: z.literal('marketing'),
    topic: topicId,
    subject: z.string().min(1).max(300),
    preheader: z.string().max(300).default(''),
    tracking: z.strictObject({ opens: z.boolean(), clicks: z.boolean() }).default({ opens: true, clicks: true }),
  }),
  z.strictObject({
    name: z.string().min(1).max(200),
    kind: z.literal('transactional'),
    subject: z.string().min(1).max(300),
    preheader: z.string().max(300).default(''),
    tracking: z.strictObject({ opens: z.boolean(), clicks: z.boolean() }).default({ opens: false, clicks: false }),
  }),
]);
export type TemplateMeta = z.infer<typeof TemplateMeta>;

/** One template after the build: metadata, the compiled HTML (Liquid inside) and the text part's Liquid source. */
export const CompiledTemplate = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  meta: TemplateMeta,
  html: z.string().min(1),
  text: z.string().min(1),
});
export type CompiledTemplate = z.infer<typeof CompiledTemplate>;

export const CompiledEmails = z.object({
  settings: EmailSettings,
  templates: z.array(CompiledTemplate),
});
export type CompiledEmails = z.infer<typeof CompiledEmails>;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The bare address of `Name <address>`. */
export function addressOf(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from.trim();
}
