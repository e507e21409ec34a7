import { deterministicId } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { TimelineEvent } from '../shared/timeline';
import { IGNORED_SES_EVENTS, SesEventBridgeEvent, SesEventDetail, reactToSesEvent, settleDoubt } from './domain/ses-event';
import type { EmailStore } from './ports';
import { TAG, failedEvent, sentEvent } from './send-email';

export interface SesEventsDeps {
  readonly store: Pick<EmailStore, 'append' | 'updateConsent' | 'getContact' | 'getSend' | 'markSent' | 'markFailed'>;
  readonly logger: Logger;
}

export type SesEventOutcome = 'recorded' | 'duplicate' | 'ignored' | 'not_ours';

/**
 * SES events (through the configuration set's EventBridge destination, or the local stand-in) → timeline
 * events, plus suppression for hard bounces and complaints. Event ids are derived from the EventBridge event id,
 * so a redelivered event is recognised and written once.
 *
 * An event for a send whose claim is still `pending` (its sender died between SES and recording the outcome) first
 * settles it (`settleDoubt`), then is recorded as usual. `Send` and `Rendering Failure` only settle: they answer
 * `recorded` when they did, `ignored` otherwise.
 */
export async function handleSesEvent(input: unknown, deps: SesEventsDeps): Promise<SesEventOutcome> {
  const envelope = SesEventBridgeEvent.parse(input);
  if (IGNORED_SES_EVENTS.has(envelope.detail.eventType)) return 'ignored';
  const detail = SesEventDetail.parse(envelope.detail);
  const contactId = detail.mail.tags.contact?.[0];
  const contact = contactId ? await deps.store.getContact(contactId) : undefined;
  const reaction = reactToSesEvent(detail, envelope.time, contact);
  if (!reaction || !contact) {
    deps.logger.warn('SES event for an email without a known contact; ignored', { eventType: detail.eventType, messageId: detail.mail.messageId });
    return 'not_ours';
  }
  const settled = await settlePending(detail, reaction.contactId, envelope.time, deps);
  if (reaction.events.length === 0) return settled ? 'recorded' : 'ignored';
  const events = reaction.events.map((event, i) =>
    TimelineEvent.parse({
      eventId: deterministicId(new Date(envelope.time), `${envelope.id}#${i}`),
      contactId: reaction.contactId,
      type: event.type,
      occurredAt: envelope.time,
      data: event.data,
    }),
  );
  const written =
    reaction.suppress || reaction.subscriptions
      ? await deps.store.updateConsent(
          reaction.contactId,
          { ...(reaction.subscriptions ? { subscriptions: reaction.subscriptions } : {}), ...(reaction.suppress ? { suppressed: reaction.suppress } : {}) },
          events,
          envelope.time,
        )
      : (await Promise.all(events.map((event) => deps.store.append(event)))).every(Boolean);
  deps.logger.info('SES event recorded', { contactId: reaction.contactId, eventType: detail.eventType, duplicate: !written });
  return written ? 'recorded' : 'duplicate';
}

/**
 * Records the outcome of the event's send if its claim is still `pending`, with the claim's own event id and only
 * while it is pending, so a redelivered event and the sender finishing late both find it done; true when this
 * call settled it.
 */
async function settlePending(detail: SesEventDetail, contactId: string, at: string, deps: SesEventsDeps): Promise<boolean> {
  const sendId = detail.mail.tags[TAG.send]?.[0];
  const record = sendId ? await deps.store.getSend(sendId) : undefined;
  if (record?.status !== 'pending' || record.contactId !== contactId) return false;
  const outcome = settleDoubt(detail);
  const settled =
    outcome.status === 'sent'
      ? await deps.store.markSent(record, detail.mail.messageId, sentEvent(record, detail.mail.messageId, detail.eventType))
      : await deps.store.markFailed(record, outcome.error, failedEvent(record, outcome.error, new Date(at)));
  if (settled) {
    deps.logger.warn('send in doubt settled by an SES event', { contactId, sendId: record.sendId, eventType: detail.eventType, status: outcome.status });
  }
  return settled;
}

export const makeSesEvents = (deps: SesEventsDeps) => async (event: unknown) => {
  await handleSesEvent(event, deps);
};

