import * as z from 'zod';
import type { FormSubmittedData } from '../forms/events';
import { FieldValueSchema, UtmSchema } from './event-envelope';
import type { FieldValue } from './values';

/** Where a contact came from: the campaign parameters and page of one touch. */
export const Touch = z.object({
  utm: UtmSchema,
  formId: z.string(),
  referrer: z.string().optional(),
  at: z.iso.datetime(),
  /** Ad-click ids of the touch (`gclid`, `fbclid`, `msclkid`). */
  clickIds: z.record(z.string(), z.string()).optional(),
  landingPage: z.string().optional(),
});
export type Touch = z.infer<typeof Touch>;

/**
 * Consent to one email topic (or `all` marketing). `pending`: a double opt-in confirmation was sent and not yet
 * confirmed. Consent records keep when, where from and which consent text the contact agreed to.
 */
export const Subscription = z.object({
  status: z.enum(['subscribed', 'unsubscribed', 'pending']),
  at: z.iso.datetime(),
  source: z.string().max(100),
  formId: z.string().optional(),
  ip: z.string().optional(),
  consentTextVersion: z.string().optional(),
  /** How the consent was obtained, when the contacts API stated it (`form`, `import`, `api`, …; `source` says where). */
  basis: z.string().max(40).optional(),
});
export type Subscription = z.infer<typeof Subscription>;

/**
 * A contact's lead score (owned by the scoring capability, `functions/scoring`): the fit rules that hold, and the
 * behaviour points earned, each with when and from which event, so the score explains itself. `behaviour` and
 * `total` are as of `asOf`; behaviour points decay, so readers recompute them for "now".
 */
export const LeadScore = z.object({
  /** The scoring file's version that computed it. */
  version: z.union([z.number(), z.string()]),
  fit: z.number(),
  behaviour: z.number(),
  total: z.number(),
  asOf: z.iso.datetime(),
  fitRules: z.array(z.object({ ruleId: z.string(), points: z.number() })),
  contributions: z.array(z.object({ ruleId: z.string(), points: z.number(), at: z.iso.datetime(), eventId: z.string() })),
});
export type LeadScore = z.infer<typeof LeadScore>;

/** The contact's record in the CRM it was handed to (one record per contact; later hand-offs update it). */
export const CrmLink = z.object({ provider: z.string(), id: z.string(), handedOffAt: z.iso.datetime() });
export type CrmLink = z.infer<typeof CrmLink>;

/** A contact's profile, as stored and as read back (parsed with this schema, never cast). */
export const Contact = z.object({
  contactId: z.string().min(1),
  /** Normalized (trimmed, lower-case): the key the email-uniqueness item is written under. */
  email: z.string(),
  /** The latest non-blank answer to every field the contact ever submitted, by field name. */
  attributes: z.record(z.string(), FieldValueSchema),
  /** The first touch that carried campaign parameters; never overwritten. */
  firstTouch: Touch.optional(),
  /** The latest touch that carried campaign parameters. */
  lastTouch: Touch.optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Lead score (scoring capability). */
  score: LeadScore.optional(),
  /** Lifecycle stage id from content/lifecycle.yaml; absent means the funnel's initial stage. */
  stage: z.string().optional(),
  stageChangedAt: z.iso.datetime().optional(),
  crm: CrmLink.optional(),
  /** Email consent by topic id (and `all`); no record for a topic means the contact never said (see docs/email.md). */
  subscriptions: z.record(z.string(), Subscription).optional(),
  /**
   * The contact's mobile number in E.164 (`+14155550123`), normalised with libphonenumber-js; the number SMS go to.
   * Kept apart from a form's `phone` attribute: only the contacts API and imports set it.
   */
  phone: z.string().regex(/^\+[1-9]\d{6,14}$/).optional(),
  /**
   * SMS consent by topic id (and `all`), apart from the email `subscriptions`: consent to email is not consent to
   * text. No record means no consent: marketing SMS need a `subscribed` record (docs/sms.md).
   */
  smsSubscriptions: z.record(z.string(), Subscription).optional(),
  /** Set by a permanent bounce or a complaint: no email goes to this contact any more. */
  suppressed: z.object({ reason: z.enum(['bounce', 'complaint']), at: z.iso.datetime() }).optional(),
  /** A shared mailbox (info@, sales@): accepted by forms, flagged here for scoring and sales. */
  emailRole: z.boolean().optional(),
  /** Labels set by journeys' update-contact steps (and later by segments); branch on them with `tags contains x`. */
  tags: z.array(z.string()).optional(),
  /** Consent boxes ticked on forms, by purpose: the latest text version agreed to, when, on which form, from where. */
  consents: z
    .record(
      z.string(),
      z.object({ textVersion: z.string(), at: z.iso.datetime(), formId: z.string(), field: z.string(), ip: z.string().optional() }),
    )
    .optional(),
  /** The id another system (a CRM, a product backend) knows the contact by; unique, claimed by `EXTID#<id>`. */
  externalId: z.string().optional(),
  /** Anonymous ids (Segment `anonymousId`) linked to this contact; their tracked activity was merged in. */
  anonymousIds: z.array(z.string()).optional(),
});
export type Contact = z.infer<typeof Contact>;

/**
 * Email addresses are compared trimmed, NFKC-normalised (full-width letters as ASCII) and lower-cased. Provider-specific rewriting (dots, +tags) is not
 * applied: those can be distinct mailboxes, and merging two people is worse than keeping a duplicate.
 */
export function normalizeEmail(email: string): string {
  const key = email.trim().normalize('NFKC').toLowerCase();
  // IDN domains are keyed in punycode, as forms store them (functions/shared/email-address.ts).
  const at = key.lastIndexOf('@');
  if (at < 0 || /^[ -~]*$/.test(key.slice(at))) return key;
  try {
    return `${key.slice(0, at)}@${new URL(`http://${key.slice(at + 1)}/`).hostname}`;
  } catch {
    return key;
  }
}

/** The touch a submission represents, or undefined when it carried no campaign parameters (a direct visit). */
export function touchOf(data: FormSubmittedData, at: string): Touch | undefined {
  if (Object.keys(data.utm).length === 0) return undefined;
  return { utm: data.utm, formId: data.formId, ...(data.referrer ? { referrer: data.referrer } : {}), at };
}

/** Profile attributes a submission contributes: every answered field but the email, which is the key. */
export function attributesOf(data: FormSubmittedData): Record<string, FieldValue> {
  return Object.fromEntries(Object.entries(data.fields).filter(([name]) => name !== 'email'));
}
