import * as z from 'zod';
import { event, eventGroup } from '../shared/event-envelope';
import { ExperimentRef } from '../shared/experiment-ref';

/** Which send an email event is about: the SES message id and what the send carried in its tags. */
const EmailRef = {
  messageId: z.string().min(1),
  templateId: z.string().min(1),
  journeyId: z.string().optional(),
  stepId: z.string().optional(),
  /** The marketing topic; absent for transactional emails. */
  topic: z.string().optional(),
  /** The experiment arm the send was in (engagement events carry it from the send record). */
  experiment: ExperimentRef.optional(),
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
  /** The experiment arm of the send; `holdout` with reason `holdout` for a contact held out of it. */
  experiment: ExperimentRef.optional(),
  /** `unsubscribed`, `suppressed`, `frequency_cap`, `unconfirmed`, `send_in_doubt`, `holdout`, … */
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
  /** `console`: an operator recorded it for the person (`POST /contacts/{contactId}/unsubscribe`). */
  source: z.enum(['one-click', 'preference-page', 'complaint', 'api', 'console']),
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

/**
 * The email capability's events: sending, delivery (SES events), engagement (tracking) and consent. Stored
 * forever in contacts' timelines: never rename one, add a new one.
 */
export const emailEventGroup = eventGroup({
  EmailSent: event('email.sent', EmailSentData),
  EmailSkipped: event('email.skipped', EmailSkippedData),
  EmailFailed: event('email.failed', EmailFailedData),
  EmailDelivered: event('email.delivered', EmailDeliveredData),
  EmailBounced: event('email.bounced', EmailBouncedData),
  EmailComplained: event('email.complained', EmailComplainedData),
  EmailRejected: event('email.rejected', EmailRejectedData),
  EmailDeliveryDelayed: event('email.delivery_delayed', EmailDeliveryDelayedData),
  EmailOpened: event('email.opened', EmailOpenedData),
  EmailClicked: event('email.clicked', EmailClickedData),
  EmailUnsubscribed: event('email.unsubscribed', EmailUnsubscribedData),
  EmailSubscribed: event('email.subscribed', EmailSubscribedData),
  /** A double opt-in confirmation email went out; the subscription is pending until `consent.confirmed`. */
  ConsentRequested: event('consent.requested', ConsentData),
  ConsentConfirmed: event('consent.confirmed', ConsentData),
});
export const emailEventNames = emailEventGroup.names;
/** The email capability's events: sends, deliveries, engagement and consent. */
export const emailEvents = emailEventGroup.schemas;
