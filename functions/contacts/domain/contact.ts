import * as z from 'zod';
import { FieldValueSchema, UtmSchema, type FormSubmittedData } from '../../shared/timeline';
import type { FieldValue } from '../../shared/values';

/** Where a contact came from: the campaign parameters and page of one touch. */
export const Touch = z.object({
  utm: UtmSchema,
  formId: z.string(),
  referrer: z.string().optional(),
  at: z.iso.datetime(),
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
});
export type Subscription = z.infer<typeof Subscription>;

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
  /** Email consent by topic id (and `all`); no record for a topic means the contact never said (see README "Email"). */
  subscriptions: z.record(z.string(), Subscription).optional(),
  /** Set by a permanent bounce or a complaint: no email goes to this contact any more. */
  suppressed: z.object({ reason: z.enum(['bounce', 'complaint']), at: z.iso.datetime() }).optional(),
});
export type Contact = z.infer<typeof Contact>;

/**
 * Email addresses are compared trimmed and lower-cased. Provider-specific rewriting (dots, +tags) is not
 * applied: those can be distinct mailboxes, and merging two people is worse than keeping a duplicate.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
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
