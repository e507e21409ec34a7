import * as z from 'zod';
import { event, eventGroup } from '../shared/event-envelope';

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

/** The CRM's events. Stored forever in contacts' timelines: never rename one, add a new one. */
export const crmEventGroup = eventGroup({
  CrmHandedOff: event('crm.handed_off', CrmHandedOffData),
  /** A hand-off gave up after its last retry; the request is parked in the dead-letter queue. */
  CrmHandOffFailed: event('crm.handoff_failed', CrmHandOffFailedData),
  /** A hand-off that was not made (no CRM configured), recorded so it is visible. */
  CrmHandOffSkipped: event('crm.handoff_skipped', CrmHandOffSkippedData),
  /** Sales answered in the CRM: accepted, rejected, disqualified, opportunity, closed_won, closed_lost. */
  CrmFeedback: event('crm.feedback', CrmFeedbackData),
});
export const crmEventNames = crmEventGroup.names;
/** The CRM's events: hand-offs and what sales report back. */
export const crmEvents = crmEventGroup.schemas;
