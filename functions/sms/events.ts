import * as z from 'zod';
import { event, eventGroup } from '../shared/event-envelope';

/**
 * Which send an SMS event is about. Never the number nor the text: the number is on the profile, the text is the
 * template's, and neither belongs in an event that metrics, reports and logs read.
 */
const SmsRef = {
  /** The send's idempotency id: one per contact, journey execution and step. */
  sendId: z.string().min(1),
  templateId: z.string().min(1),
  journeyId: z.string().optional(),
  stepId: z.string().optional(),
  /** The marketing topic the send's consent was checked for. */
  topic: z.string().optional(),
};

/** `sms.sent`: End User Messaging accepted one text message for this contact. */
export const SmsSentData = z.object({
  ...SmsRef,
  /** End User Messaging's message id: delivery events carry it back. */
  messageId: z.string().min(1),
  encoding: z.enum(['GSM-7', 'UCS-2']),
  /** How many SMS parts the text takes (each is billed). */
  parts: z.int().min(1),
  characters: z.int().min(0),
  messageType: z.enum(['TRANSACTIONAL', 'PROMOTIONAL']),
  /** The destination's ISO country, which sets the price. */
  country: z.string().length(2).optional(),
  /** The estimated cost (USD) from the dated price file at send time (functions/sms/domain/sms-prices.ts). */
  costUsd: z.number().nonnegative().optional(),
});
export type SmsSentData = z.infer<typeof SmsSentData>;

/** `sms.skipped`: a guard said no (no phone, no SMS consent, opted out, frequency cap, …); nothing was sent. */
export const SmsSkippedData = z.object({
  ...SmsRef,
  /** `no_phone`, `no_consent`, `unsubscribed`, `opted_out`, `frequency_cap`, `exited`, `send_in_doubt`, … */
  reason: z.string().min(1).max(100),
});
export type SmsSkippedData = z.infer<typeof SmsSkippedData>;

/**
 * `sms.failed`: End User Messaging refused the send (`error`: the SDK error's name, never its message, which may
 * echo the number), or a delivery event reported that the carrier did not deliver it (`status`).
 */
export const SmsFailedData = z.object({
  sendId: z.string().min(1).optional(),
  templateId: z.string().optional(),
  journeyId: z.string().optional(),
  stepId: z.string().optional(),
  messageId: z.string().optional(),
  error: z.string().max(200).optional(),
  /** The delivery event's status (`CARRIER_UNREACHABLE`, `BLOCKED`, `TTL_EXPIRED`, …), for a failure reported later. */
  status: z.string().max(100).optional(),
});
export type SmsFailedData = z.infer<typeof SmsFailedData>;

/** `sms.delivered`: the carrier reported the message delivered to the handset. */
export const SmsDeliveredData = z.object({
  messageId: z.string().min(1),
  sendId: z.string().optional(),
  templateId: z.string().optional(),
  journeyId: z.string().optional(),
  stepId: z.string().optional(),
  /** The delivery event's status, `DELIVERED`. */
  status: z.string().max(100),
  /** What End User Messaging says it cost, when the event says (USD). */
  priceUsd: z.number().nonnegative().optional(),
});
export type SmsDeliveredData = z.infer<typeof SmsDeliveredData>;

/** `sms.received`: the contact texted one of our numbers (two-way SMS). The text itself is kept, the number is not. */
export const SmsReceivedData = z.object({
  inboundMessageId: z.string().min(1).max(200),
  /** Our number (or other origination identity) the message was sent to. */
  destination: z.string().max(100),
  /** The keyword End User Messaging matched, if any. */
  keyword: z.string().max(100).optional(),
  /** The message, as the contact wrote it (at most 1,600 characters: ten parts). */
  body: z.string().max(1_600),
  /** How `classifyKeyword` read it: `stop`, `start`, `help` or `none`. */
  kind: z.enum(['stop', 'start', 'help', 'none']),
});
export type SmsReceivedData = z.infer<typeof SmsReceivedData>;

/** `sms.unsubscribed` / `sms.subscribed`: SMS consent for one topic (or `all`) changed. */
export const SmsConsentData = z.object({
  topic: z.string().min(1),
  /** `sms-keyword` for a STOP or START texted by the contact. */
  source: z.string().min(1).max(100),
  /** The keyword texted, for `sms-keyword`. */
  keyword: z.string().max(100).optional(),
  inboundMessageId: z.string().optional(),
});
export type SmsConsentData = z.infer<typeof SmsConsentData>;

/** The SMS capability's events. Stored forever in contacts' timelines: never rename one, add a new one. */
export const smsEventGroup = eventGroup({
  SmsSent: event('sms.sent', SmsSentData),
  SmsSkipped: event('sms.skipped', SmsSkippedData),
  SmsFailed: event('sms.failed', SmsFailedData),
  SmsDelivered: event('sms.delivered', SmsDeliveredData),
  SmsReceived: event('sms.received', SmsReceivedData),
  SmsUnsubscribed: event('sms.unsubscribed', SmsConsentData),
  SmsSubscribed: event('sms.subscribed', SmsConsentData),
});
export const smsEventNames = smsEventGroup.names;
/** The SMS capability's events: sends, deliveries, inbound messages and SMS consent. */
export const smsEvents = smsEventGroup.schemas;
