import * as z from 'zod';
import { EventName } from '../shared/events';
import { deterministicId } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { TimelineEvent } from '../shared/timeline';
import type { SmsInboundStore } from './sms-inbound';
import { SMS_CONTEXT } from './send-sms';

/**
 * End User Messaging's delivery event, as it reaches EventBridge (`aws.sms-voice`, `Text Message Delivery Status
 * Updated`): what this handler reads of it. `context` is the send's `Context`, which names the contact and send.
 */
export const SmsDeliveryEvent = z.object({
  'detail-type': z.literal('Text Message Delivery Status Updated'),
  source: z.literal('aws.sms-voice'),
  detail: z.object({
    messageId: z.string().min(1),
    messageStatus: z.string().min(1).max(100),
    eventTimestamp: z.number().optional(),
    isFinal: z.boolean().optional(),
    context: z.record(z.string(), z.string()).optional(),
    totalMessagePrice: z.number().nonnegative().optional(),
  }),
  time: z.string(),
});
export type SmsDeliveryEvent = z.infer<typeof SmsDeliveryEvent>;

/** Statuses on the way (accepted by the carrier, queued): not recorded; the final status follows. */
const IN_FLIGHT = new Set(['SUCCESSFUL', 'PENDING', 'QUEUED', 'DELIVERED_TO_CARRIER']);

export interface SmsDeliveryDeps {
  readonly store: Pick<SmsInboundStore, 'append'> & { hasContact(contactId: string): Promise<boolean> };
  readonly logger: Logger;
}

/**
 * One delivery event onto the timeline: `DELIVERED` → `sms.delivered`, any other final status (`BLOCKED`,
 * `CARRIER_UNREACHABLE`, `TTL_EXPIRED`, `OPTED_OUT`, …) → `sms.failed` with it. The event id derives from the
 * message id and status, so EventBridge's redelivery appends nothing. Texts without our context (sent by
 * something else in the account) and contacts erased since are ignored.
 */
export async function handleSmsDeliveryEvent(raw: unknown, deps: SmsDeliveryDeps): Promise<'recorded' | 'ignored'> {
  const event = SmsDeliveryEvent.parse(raw);
  const { detail } = event;
  const context = detail.context ?? {};
  const contactId = context[SMS_CONTEXT.contact];
  if (!contactId || IN_FLIGHT.has(detail.messageStatus)) return 'ignored';
  if (!(await deps.store.hasContact(contactId))) return 'ignored';
  const at = new Date(detail.eventTimestamp ?? Date.parse(event.time));
  const ref = {
    messageId: detail.messageId,
    ...(context[SMS_CONTEXT.send] ? { sendId: context[SMS_CONTEXT.send] } : {}),
    ...(context[SMS_CONTEXT.template] ? { templateId: context[SMS_CONTEXT.template] } : {}),
    ...(context[SMS_CONTEXT.journey] ? { journeyId: context[SMS_CONTEXT.journey] } : {}),
    ...(context[SMS_CONTEXT.step] ? { stepId: context[SMS_CONTEXT.step] } : {}),
  };
  const delivered = detail.messageStatus === 'DELIVERED';
  const timelineEvent = TimelineEvent.parse({
    eventId: deterministicId(at, `sms-delivery:${detail.messageId}:${detail.messageStatus}`),
    contactId,
    type: delivered ? EventName.SmsDelivered : EventName.SmsFailed,
    occurredAt: at.toISOString(),
    data: delivered
      ? { ...ref, status: detail.messageStatus, ...(detail.totalMessagePrice !== undefined ? { priceUsd: detail.totalMessagePrice } : {}) }
      : { ...ref, status: detail.messageStatus },
  });
  await deps.store.append([timelineEvent]);
  deps.logger.info(delivered ? 'sms delivered' : 'sms not delivered', { contactId, messageId: detail.messageId, status: detail.messageStatus });
  return 'recorded';
}
