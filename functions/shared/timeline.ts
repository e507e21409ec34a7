import * as z from 'zod';
import { EventName } from './events';
import { UTM_KEYS } from './values';

/**
 * The timeline: every input becomes one event appended to a contact's timeline. This module is the one place
 * an event type's shape is declared; writers build events with these types and readers (the contacts API, the
 * reactor, replays) parse stored items back with these schemas rather than casting them.
 *
 * Stored forever: an event's `type` and its data's field names are never renamed. A new event type is a new
 * member of {@link TimelineEvent}; a new optional field is safe; anything else is a new type.
 */

export const FieldValueSchema = z.union([z.string(), z.number(), z.boolean()]);
export const UtmSchema = z.partialRecord(z.enum(UTM_KEYS), z.string());

/** `form.submitted`: one accepted post of a form. */
export const FormSubmittedData = z.object({
  formId: z.string().min(1),
  /** Declared fields that carried a value, email included, after the form's rules. */
  fields: z.record(z.string(), FieldValueSchema),
  utm: UtmSchema,
  referrer: z.string().optional(),
  userAgent: z.string().optional(),
  ip: z.string().optional(),
  /** Ad-click ids posted with the form (`gclid`, `fbclid`, `msclkid`). */
  clickIds: z.partialRecord(z.enum(['gclid', 'fbclid', 'msclkid']), z.string()).optional(),
  /** The first page of the visit and the page before it, as the embed snippet reports them. */
  landingPage: z.string().optional(),
  pageReferrer: z.string().optional(),
  /** Consent boxes ticked in this post: the purpose, the consent text version shown, the field. */
  consents: z.array(z.object({ purpose: z.string(), textVersion: z.string(), field: z.string() })).optional(),
  /** How many posted names were neither declared fields nor read by the endpoint: dropped, only counted. */
  unknownFields: z.number().int().min(0).optional(),
  /** The visitor's anonymous id (Segment `anonymousId`), linked to the contact by this post. */
  anonymousId: z.string().optional(),
});
export type FormSubmittedData = z.infer<typeof FormSubmittedData>;

/**
 * Where a tracked message happened, from Segment's `context`: only the fields reports read (page, referrer,
 * campaign, user agent, IP, locale), each text value capped, so a client cannot grow the item.
 */
export const TrackingContext = z.object({
  page: z
    .object({
      url: z.string().max(2_000).optional(),
      path: z.string().max(2_000).optional(),
      referrer: z.string().max(2_000).optional(),
      search: z.string().max(2_000).optional(),
      title: z.string().max(500).optional(),
    })
    .optional(),
  referrer: z
    .object({ type: z.string().max(200).optional(), name: z.string().max(200).optional(), url: z.string().max(2_000).optional(), link: z.string().max(2_000).optional() })
    .optional(),
  /** UTM parameters as Segment names them (`name` is utm_campaign). */
  campaign: z
    .object({
      name: z.string().max(200).optional(),
      source: z.string().max(200).optional(),
      medium: z.string().max(200).optional(),
      term: z.string().max(200).optional(),
      content: z.string().max(200).optional(),
    })
    .optional(),
  userAgent: z.string().max(500).optional(),
  ip: z.string().max(64).optional(),
  locale: z.string().max(35).optional(),
});
export type TrackingContext = z.infer<typeof TrackingContext>;

/** `event.tracked`: a named event with properties (Segment `track`), e.g. `order_completed`. */
export const TrackedData = z.object({
  /** The event's name as the site sends it: `checkout_started`, `demo_booked`, `webinar_attended`, … */
  event: z.string().min(1).max(200),
  properties: z.record(z.string(), z.unknown()).default({}),
  /** Where it came from: `track` API, a form, the CRM, a journey step. */
  source: z.string().max(100).optional(),
  messageId: z.string().max(200).optional(),
  context: TrackingContext.optional(),
});
export type TrackedData = z.infer<typeof TrackedData>;

/** `page.viewed`: one page view (Segment `page`). */
export const PageViewedData = z.object({
  url: z.string().max(2_000),
  path: z.string().max(2_000).optional(),
  title: z.string().max(500).optional(),
  name: z.string().max(200).optional(),
  referrer: z.string().max(2_000).optional(),
  messageId: z.string().max(200).optional(),
  context: TrackingContext.optional(),
});
export type PageViewedData = z.infer<typeof PageViewedData>;

/** `contact.identified`: a Segment `identify`; `traits` are the profile attributes it set (snake_case names). */
export const IdentifiedData = z.object({
  traits: z.record(z.string(), FieldValueSchema),
  /** Traits that were not text, numbers or booleans (objects, lists): dropped, only counted. */
  droppedTraits: z.number().int().min(0).optional(),
  userId: z.string().max(200).optional(),
  messageId: z.string().max(200).optional(),
  context: TrackingContext.optional(),
});
export type IdentifiedData = z.infer<typeof IdentifiedData>;

/** Which send an email event is about: the SES message id and what the send carried in its tags. */
const EmailRef = {
  messageId: z.string().min(1),
  templateId: z.string().min(1),
  journeyId: z.string().optional(),
  stepId: z.string().optional(),
  /** The marketing topic; absent for transactional emails. */
  topic: z.string().optional(),
};

/** `email.sent`: SES accepted one email for this contact. */
export const EmailSentData = z.object({
  ...EmailRef,
  kind: z.enum(['marketing', 'transactional']),
  /** The send's idempotency id (one per contact, journey execution and step, or per API Idempotency-Key). */
  sendId: z.string().min(1),
  /**
   * Set when the sender never confirmed the send (it died between SES and its write) and this SES event type
   * (`Delivery`, `Bounce`, …) confirmed it instead; absent on a send the sender confirmed itself.
   */
  reconciledFrom: z.string().max(40).optional(),
});
export type EmailSentData = z.infer<typeof EmailSentData>;

/** `email.skipped`: a guard said no; nothing was sent. */
export const EmailSkippedData = z.object({
  templateId: z.string().min(1),
  journeyId: z.string().optional(),
  stepId: z.string().optional(),
  topic: z.string().optional(),
  /** `unsubscribed`, `suppressed`, `frequency_cap`, `unconfirmed`, `send_in_doubt`, … */
  reason: z.string().min(1).max(100),
});
export type EmailSkippedData = z.infer<typeof EmailSkippedData>;

/** `email.failed`: SES refused the send with a non-retryable error (the step then fails). */
export const EmailFailedData = z.object({
  templateId: z.string().min(1),
  journeyId: z.string().optional(),
  stepId: z.string().optional(),
  /** The SES error's name, never its message (it may echo the address). */
  error: z.string().max(200),
});
export type EmailFailedData = z.infer<typeof EmailFailedData>;

export const EmailDeliveredData = z.object({ ...EmailRef });
export type EmailDeliveredData = z.infer<typeof EmailDeliveredData>;

/** `email.bounced`: `permanent` (hard bounce) suppresses the contact and exits its journeys. */
export const EmailBouncedData = z.object({
  ...EmailRef,
  bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
  bounceSubType: z.string().max(100).optional(),
  permanent: z.boolean(),
});
export type EmailBouncedData = z.infer<typeof EmailBouncedData>;

/** `email.complained`: marked as spam; the contact is suppressed and unsubscribed from all marketing. */
export const EmailComplainedData = z.object({ ...EmailRef, feedbackType: z.string().max(100).optional() });
export type EmailComplainedData = z.infer<typeof EmailComplainedData>;

export const EmailRejectedData = z.object({ ...EmailRef, reason: z.string().max(200).optional() });
export type EmailRejectedData = z.infer<typeof EmailRejectedData>;

export const EmailDeliveryDelayedData = z.object({ ...EmailRef, delayType: z.string().max(100).optional() });
export type EmailDeliveryDelayedData = z.infer<typeof EmailDeliveryDelayedData>;

/** `email.opened`: the open pixel loaded. `machine`: likely a privacy proxy or scanner, not a person. */
export const EmailOpenedData = z.object({ ...EmailRef, machine: z.boolean() });
export type EmailOpenedData = z.infer<typeof EmailOpenedData>;

/** `email.clicked`: a tracked link was followed. `machine`: likely a link scanner, not a person. */
export const EmailClickedData = z.object({
  ...EmailRef,
  url: z.string().max(2_000),
  linkIndex: z.int().min(0),
  machine: z.boolean(),
});
export type EmailClickedData = z.infer<typeof EmailClickedData>;

/** `email.unsubscribed`: from one topic, or from `all` marketing. */
export const EmailUnsubscribedData = z.object({
  topic: z.string().min(1),
  source: z.enum(['one-click', 'preference-page', 'complaint', 'api']),
  messageId: z.string().optional(),
  templateId: z.string().optional(),
});
export type EmailUnsubscribedData = z.infer<typeof EmailUnsubscribedData>;

/** `email.subscribed`: to one topic (preference page, or a confirmed double opt-in). */
export const EmailSubscribedData = z.object({
  topic: z.string().min(1),
  source: z.enum(['preference-page', 'double-opt-in', 'form', 'api']),
  formId: z.string().optional(),
});
export type EmailSubscribedData = z.infer<typeof EmailSubscribedData>;

/** `consent.requested` / `consent.confirmed`: the double opt-in of one form's topic. */
export const ConsentData = z.object({
  topic: z.string().min(1),
  formId: z.string().min(1),
  consentTextVersion: z.string().max(40),
  ip: z.string().optional(),
});
export type ConsentData = z.infer<typeof ConsentData>;

/** `score.changed`: the lead score after an event (or a rescore), with the rules that moved it. */
export const ScoreChangedData = z.object({
  fit: z.number(),
  behaviour: z.number(),
  total: z.number(),
  previousTotal: z.number(),
  /** The scoring file's version. */
  version: z.union([z.number(), z.string()]),
  /** Behaviour rules this event matched (empty when only fit or decay moved it). */
  ruleIds: z.array(z.string()),
  /** `event` (the reactor) or `rescore`. */
  cause: z.string().max(40).optional(),
});
export type ScoreChangedData = z.infer<typeof ScoreChangedData>;

/** `stage.changed`: one lifecycle transition (stage ids from content/lifecycle.yaml). */
export const StageChangedData = z.object({
  from: z.string().min(1),
  to: z.string().min(1),
  reason: z.string().max(500),
  /** A recycled contact engaging again. */
  reopened: z.boolean().optional(),
  /** The event that caused it. */
  causeEventId: z.string().optional(),
});
export type StageChangedData = z.infer<typeof StageChangedData>;

/** `crm.handed_off`: the contact was created or updated in the CRM, for a sales rep. */
export const CrmHandedOffData = z.object({
  provider: z.string().min(1),
  crmId: z.string().min(1),
  reason: z.string().max(500).optional(),
  /** Who asked: `reactor` (entered MQL) or a journey's hand-off step. */
  source: z.string().max(200).optional(),
  idempotencyKey: z.string().max(300),
});
export type CrmHandedOffData = z.infer<typeof CrmHandedOffData>;

/** `crm.handoff_failed`: a hand-off gave up (last retry, or a permanent refusal); never silently dropped. */
export const CrmHandOffFailedData = z.object({
  provider: z.string().min(1),
  /** The error's name and HTTP status, never a response body (it may echo personal data). */
  error: z.string().max(300),
  attempts: z.number().int().min(1).optional(),
  source: z.string().max(200).optional(),
  idempotencyKey: z.string().max(300),
});
export type CrmHandOffFailedData = z.infer<typeof CrmHandOffFailedData>;

/** `crm.handoff_skipped`: a hand-off that was not made, and why (`no CRM configured`); never silently dropped. */
export const CrmHandOffSkippedData = z.object({
  reason: z.string().max(200),
  source: z.string().max(200),
  idempotencyKey: z.string().max(300),
});
export type CrmHandOffSkippedData = z.infer<typeof CrmHandOffSkippedData>;

/** `crm.feedback`: sales' answer in the CRM, through `POST /webhooks/crm/{provider}`. */
export const CrmFeedbackData = z.object({
  provider: z.string().min(1),
  outcome: z.enum(['accepted', 'rejected', 'disqualified', 'opportunity', 'closed_won', 'closed_lost']),
  crmId: z.string().optional(),
  /** The CRM's own value, e.g. HubSpot `hs_lead_status=BAD_TIMING`. */
  status: z.string().max(200).optional(),
  /** The provider's event id, when it sends one. */
  externalId: z.string().max(200).optional(),
  /** The deal the answer was about (HubSpot deal won or lost), when it came through one of the deal's contacts. */
  dealId: z.string().max(100).optional(),
});
export type CrmFeedbackData = z.infer<typeof CrmFeedbackData>;

/** Which journey, and which enrolment, a journey event is about. */
const JourneyRef = {
  journeyId: z.string().min(1),
  executionName: z.string().min(1),
};

export const JourneyEnrollmentRequestedData = z.object({
  journeyId: z.string().min(1),
  /** `webhook` (the enrolments API) or `date` (the daily sweep). */
  source: z.enum(['webhook', 'date']),
  /** The date trigger's attribute and date, for `date`. */
  attribute: z.string().optional(),
  date: z.string().optional(),
});
export const JourneyEnteredData = z.object({ ...JourneyRef, triggerEventId: z.string().min(1), entry: z.int().min(1) });
export const JourneyExitedData = z.object({
  ...JourneyRef,
  reason: z.enum(['goal', 'unsubscribed', 'bounced', 'complained', 'api', 'recycled']),
  /** The goal or the event that ended it. */
  detail: z.string().max(500).optional(),
});
export const JourneyFinishedData = z.object({
  ...JourneyRef,
  /** The failing step and the error, for `journey.failed`. */
  stepId: z.string().optional(),
  error: z.string().max(500).optional(),
  cause: z.string().max(2_000).optional(),
});
export const ContactUpdatedData = z.object({
  journeyId: z.string().optional(),
  stepId: z.string().optional(),
  set: z.record(z.string(), FieldValueSchema).default({}),
  cleared: z.array(z.string()).default([]),
  addedTags: z.array(z.string()).default([]),
  removedTags: z.array(z.string()).default([]),
  /**
   * The stage a journey's update-contact step asks for. Not written by the step: the reactor's lifecycle rules
   * (functions/scoring/domain/stages.ts) move the contact if the funnel allows it and append `stage.changed`.
   */
  stage: z.string().min(1).optional(),
});
export type ContactUpdatedData = z.infer<typeof ContactUpdatedData>;

/** Consent to one email topic as the contacts API states it: the status, its basis and where it came from. */
export const ConsentStatement = z.object({
  /** An email topic of content/email.yaml, or `all`. */
  topic: z.string().min(1).max(40),
  status: z.enum(['subscribed', 'unsubscribed']),
  /** How the consent was obtained (docs/contacts.md): `form`, `import`, `api`, `crm`, … */
  basis: z.string().min(1).max(40),
  /** Which system, list or sheet it came from, as the caller names it. */
  source: z.string().min(1).max(100),
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
  /** The journey whose enrolment created the contact, for `enrollment`. */
  journeyId: z.string().optional(),
});
export type ContactUpsertedData = z.infer<typeof ContactUpsertedData>;

/** What every event carries besides its type and data. */
const envelope = {
  /** A ULID (or a deterministic id for events derived from an external id): sorts by time. */
  eventId: z.string().min(1),
  contactId: z.string().min(1),
  occurredAt: z.iso.datetime(),
  /** Set once by the reactor when it has applied the rules to this event. */
  processedAt: z.iso.datetime().optional(),
};

/** The forms' events. */
export const formEvents = [z.object({ ...envelope, type: z.literal(EventName.FormSubmitted), data: FormSubmittedData })] as const;
/** The tracking API's events. */
export const trackingEvents = [
  z.object({ ...envelope, type: z.literal(EventName.Tracked), data: TrackedData }),
  z.object({ ...envelope, type: z.literal(EventName.PageViewed), data: PageViewedData }),
  z.object({ ...envelope, type: z.literal(EventName.Identified), data: IdentifiedData }),
] as const;
/** Scoring's events: the score and stage changes it derives. */
export const scoringEvents = [
  z.object({ ...envelope, type: z.literal(EventName.ScoreChanged), data: ScoreChangedData }),
  z.object({ ...envelope, type: z.literal(EventName.StageChanged), data: StageChangedData }),
] as const;
/** The CRM's events: hand-offs and what sales report back. */
export const crmEvents = [
  z.object({ ...envelope, type: z.literal(EventName.CrmHandedOff), data: CrmHandedOffData }),
  z.object({ ...envelope, type: z.literal(EventName.CrmHandOffFailed), data: CrmHandOffFailedData }),
  z.object({ ...envelope, type: z.literal(EventName.CrmHandOffSkipped), data: CrmHandOffSkippedData }),
  z.object({ ...envelope, type: z.literal(EventName.CrmFeedback), data: CrmFeedbackData }),
] as const;

const emailEvent = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.object({ ...envelope, type: z.literal(type), data });
/** The email capability's events: sends, deliveries, engagement and consent. */
export const emailEvents = [
  emailEvent(EventName.EmailSent, EmailSentData),
  emailEvent(EventName.EmailSkipped, EmailSkippedData),
  emailEvent(EventName.EmailFailed, EmailFailedData),
  emailEvent(EventName.EmailDelivered, EmailDeliveredData),
  emailEvent(EventName.EmailBounced, EmailBouncedData),
  emailEvent(EventName.EmailComplained, EmailComplainedData),
  emailEvent(EventName.EmailRejected, EmailRejectedData),
  emailEvent(EventName.EmailDeliveryDelayed, EmailDeliveryDelayedData),
  emailEvent(EventName.EmailOpened, EmailOpenedData),
  emailEvent(EventName.EmailClicked, EmailClickedData),
  emailEvent(EventName.EmailUnsubscribed, EmailUnsubscribedData),
  emailEvent(EventName.EmailSubscribed, EmailSubscribedData),
  emailEvent(EventName.ConsentRequested, ConsentData),
  emailEvent(EventName.ConsentConfirmed, ConsentData),
] as const;

/** The journeys' events (and the profile updates their steps make). */
export const journeyEvents = [
  z.object({ ...envelope, type: z.literal(EventName.JourneyEnrollmentRequested), data: JourneyEnrollmentRequestedData }),
  z.object({ ...envelope, type: z.literal(EventName.JourneyEntered), data: JourneyEnteredData }),
  z.object({ ...envelope, type: z.literal(EventName.JourneyExited), data: JourneyExitedData }),
  z.object({ ...envelope, type: z.literal(EventName.JourneyCompleted), data: JourneyFinishedData }),
  z.object({ ...envelope, type: z.literal(EventName.JourneyFailed), data: JourneyFinishedData }),
  z.object({ ...envelope, type: z.literal(EventName.ContactUpdated), data: ContactUpdatedData }),
] as const;

/** The contacts API's events. */
export const contactEvents = [z.object({ ...envelope, type: z.literal(EventName.ContactUpserted), data: ContactUpsertedData })] as const;

/** One entry of a contact's timeline, discriminated by `type`. Each capability adds its event types here. */
export const TimelineEvent = z.discriminatedUnion('type', [...formEvents, ...trackingEvents, ...emailEvents, ...scoringEvents, ...crmEvents, ...journeyEvents, ...contactEvents]);
export type TimelineEvent = z.infer<typeof TimelineEvent>;

/** The event of one type. */
export type EventOf<T extends TimelineEvent['type']> = Extract<TimelineEvent, { type: T }>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * An event before it is appended: the store assigns the contact and, unless the writer passes one, the id.
 * A writer passes a deterministic `eventId` when the same fact may be reported twice (a provider's message id),
 * so the second append is recognised instead of duplicated.
 */
export type NewTimelineEvent = DistributiveOmit<TimelineEvent, 'eventId' | 'contactId' | 'processedAt'> & {
  readonly eventId?: string;
};

/** Parses a stored item (keys and all) back into an event; undefined when it is not one this code knows. */
export function parseTimelineItem(item: Record<string, unknown>): TimelineEvent | undefined {
  const parsed = TimelineEvent.safeParse(item);
  return parsed.success ? parsed.data : undefined;
}
