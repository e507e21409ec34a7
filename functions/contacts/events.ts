import * as z from 'zod';
import { event, eventGroup, FieldValueSchema } from '../shared/event-envelope';

/** The channels consent is stated for: email `subscriptions` and SMS `smsSubscriptions` are kept apart. */
export const CONSENT_CHANNELS = ['email', 'sms'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

/** Consent to one topic as the contacts API states it: the status, its basis, where it came from and its channel. */
export const ConsentStatement = z.object({
  /** A topic of content/email.yaml, or `all`. */
  topic: z.string().min(1).max(40),
  status: z.enum(['subscribed', 'unsubscribed']),
  /** How the consent was obtained (docs/contacts.md): `form`, `import`, `api`, `crm`, … */
  basis: z.string().min(1).max(40),
  /** Which system, list or sheet it came from, as the caller names it. */
  source: z.string().min(1).max(100),
  /** `sms` for consent to text messages; absent means `email` (every statement written before SMS existed). */
  channel: z.enum(CONSENT_CHANNELS).optional(),
});
export type ConsentStatement = z.infer<typeof ConsentStatement>;

/** `contact.upserted`: the contacts API created or changed the profile; only what changed is listed. */
export const ContactUpsertedData = z.object({
  /** `api` (PUT /contacts), `enrollment` (an enrolment that created the contact), `import`. */
  via: z.enum(['api', 'enrollment', 'import']),
  created: z.boolean(),
  /** Attributes set (typed as forms type them) and removed. */
  set: z.record(z.string(), FieldValueSchema).default({}),
  cleared: z.array(z.string()).default([]),
  addedTags: z.array(z.string()).default([]),
  removedTags: z.array(z.string()).default([]),
  /** Consent whose status this write changed (or first stated). */
  consents: z.array(ConsentStatement).default([]),
  /** The external id given to the contact by this write. */
  externalId: z.string().optional(),
  /** The contact's email changed (matched by external id); the new address is on the profile, not here. */
  emailChanged: z.boolean().optional(),
  /** The contact's mobile number was set or removed by this write; the number is on the profile, not here. */
  phone: z.enum(['set', 'cleared']).optional(),
  /** The journey whose enrolment created the contact, for `enrollment`. */
  journeyId: z.string().optional(),
});
export type ContactUpsertedData = z.infer<typeof ContactUpsertedData>;

/** The contacts API's events. Stored forever in contacts' timelines: never rename one, add a new one. */
export const contactEventGroup = eventGroup({
  /**
   * The contacts API wrote the profile (`PUT /contacts`, an enrolment that created the contact, later an import):
   * what it created or changed, and the consent it stated. An upsert that changes nothing appends nothing.
   */
  ContactUpserted: event('contact.upserted', ContactUpsertedData),
});
export const contactEventNames = contactEventGroup.names;
export const contactEvents = contactEventGroup.schemas;
