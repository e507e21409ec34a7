import * as z from 'zod';
import { deterministicId, type Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { EventName } from '../shared/events';
import { TimelineEvent } from '../shared/timeline';
import { classifyKeyword } from './domain/keywords';
import { countParts } from './domain/message-parts';
import type { SmsGateway, SmsSendRecord, SmsStore } from './ports';

/**
 * The JSON two-way SMS publishes to the number's SNS topic for each inbound message (End User Messaging SMS,
 * "two-way messaging"), carried as an SNS notification's `Message`.
 */
export const InboundSms = z.object({
  originationNumber: z.string().regex(/^\+[1-9]\d{6,14}$/),
  destinationNumber: z.string().min(1).max(100),
  messageKeyword: z.string().max(100).optional(),
  messageBody: z.string().max(1_600),
  inboundMessageId: z.string().min(1).max(200),
  previousPublishedMessageId: z.string().max(200).optional(),
});
export type InboundSms = z.infer<typeof InboundSms>;

/** The SNS event Lambda receives: one notification per record. */
export const SnsEvent = z.object({
  Records: z.array(z.object({ Sns: z.object({ MessageId: z.string(), Message: z.string(), Timestamp: z.string() }) })).min(1),
});

/** Where inbound messages are recorded and contacts found by number. */
export interface SmsInboundStore {
  /** The contact last texted at this number (the phone index the send step writes), if any. */
  contactIdByPhone(phone: string): Promise<string | undefined>;
  /** Appends events once each (deterministic ids): a redelivered notification adds nothing. */
  append(events: readonly TimelineEvent[]): Promise<void>;
  /** An inbound message from a number no contact has: kept without the number, for a month. */
  recordUnknown(message: { readonly inboundMessageId: string; readonly destination: string; readonly kind: string; readonly at: string }): Promise<void>;
}

export interface SmsInboundDeps {
  readonly store: SmsInboundStore;
  readonly sends: SmsStore;
  readonly gateway: SmsGateway;
  readonly helpText: string;
  readonly messageType: 'TRANSACTIONAL' | 'PROMOTIONAL';
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * One inbound text. For a known contact: `sms.received`, and for a keyword
 * - STOP-family: the number goes on the account's opt-out list and `sms.unsubscribed` (topic `all`, source
 *   `sms-keyword`) is appended, which the sms capability's reactor rule applies to `smsSubscriptions`;
 * - START: off the opt-out list and `sms.subscribed`;
 * - HELP: the configured help text, sent once per inbound message (a send record claimed first).
 * A number no contact has is recorded without a contact and nothing else happens. The list calls are idempotent and
 * the events' ids derive from the inbound message id, so a redelivery (SNS retries) repeats nothing.
 */
export async function handleInboundSms(message: InboundSms, receivedAt: Date, deps: SmsInboundDeps): Promise<void> {
  const match = classifyKeyword(message.messageBody);
  const kind = match.kind;
  const contactId = await deps.store.contactIdByPhone(message.originationNumber);
  if (!contactId) {
    await deps.store.recordUnknown({ inboundMessageId: message.inboundMessageId, destination: message.destinationNumber, kind, at: receivedAt.toISOString() });
    deps.logger.info('sms from an unknown number recorded', { inboundMessageId: message.inboundMessageId, kind });
    return;
  }
  if (kind === 'stop') await deps.gateway.optOut(message.originationNumber);
  if (kind === 'start') await deps.gateway.optIn(message.originationNumber);

  const at = receivedAt.toISOString();
  const event = (suffix: string, type: string, data: Record<string, unknown>) =>
    TimelineEvent.parse({ eventId: deterministicId(receivedAt, `sms-inbound:${message.inboundMessageId}:${suffix}`), contactId, type, occurredAt: at, data });
  const keyword = match.kind === 'none' ? undefined : match.keyword;
  const events = [
    event('received', EventName.SmsReceived, {
      inboundMessageId: message.inboundMessageId,
      destination: message.destinationNumber,
      ...(message.messageKeyword ? { keyword: message.messageKeyword.slice(0, 100) } : {}),
      body: message.messageBody,
      kind,
    }),
    ...(kind === 'stop' || kind === 'start'
      ? [event('consent', kind === 'stop' ? EventName.SmsUnsubscribed : EventName.SmsSubscribed, { topic: 'all', source: 'sms-keyword', keyword, inboundMessageId: message.inboundMessageId })]
      : []),
  ];
  await deps.store.append(events);
  if (kind === 'help') await replyHelp(contactId, message, receivedAt, deps);
  deps.logger.info('sms received', { contactId, inboundMessageId: message.inboundMessageId, kind });
}

/** The HELP reply, once per inbound message: claimed before SendTextMessage, as journey texts are. */
async function replyHelp(contactId: string, message: InboundSms, at: Date, deps: SmsInboundDeps): Promise<void> {
  const record: SmsSendRecord = {
    sendId: `help-${message.inboundMessageId}`.slice(0, 200),
    contactId,
    templateId: 'help',
    status: 'pending',
    eventId: deterministicId(at, `sms-help:${message.inboundMessageId}`),
    createdAt: at.toISOString(),
  };
  const claimed = await deps.sends.claim(record, {});
  if (claimed.type !== 'Claimed') return;
  const { messageId } = await deps.gateway.send({ to: message.originationNumber, body: deps.helpText, context: { contactId, sendId: record.sendId, templateId: 'help' } });
  const parts = countParts(deps.helpText);
  const sent = TimelineEvent.parse({
    eventId: record.eventId,
    contactId,
    type: EventName.SmsSent,
    occurredAt: record.createdAt,
    data: { sendId: record.sendId, templateId: 'help', messageId, encoding: parts.encoding, parts: parts.parts, characters: parts.characters, messageType: deps.messageType },
  });
  await deps.sends.markSent(record, messageId, sent);
}
