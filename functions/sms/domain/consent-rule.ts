import type { Rule } from '../../reactor/domain/decisions';
import type { Subscription } from '../../shared/contact';
import { EventName } from '../../shared/events';

/** Sets the contact's SMS consent for one topic (or `all`), as an `sms.unsubscribed` / `sms.subscribed` says. */
export interface UpdateSmsConsent {
  readonly type: 'UpdateSmsConsent';
  readonly contactId: string;
  readonly topic: string;
  readonly subscription: Subscription;
  /** The profile's whole `smsSubscriptions` with this topic set, as it will be stored. */
  readonly records: Readonly<Record<string, Subscription>>;
  /** The profile's `updatedAt` the change was decided on: the write applies only while it is unchanged. */
  readonly seenUpdatedAt: string;
}

export type SmsDecision = UpdateSmsConsent;

/**
 * SMS consent from the contact's own texts: STOP (`sms.unsubscribed`) and START (`sms.subscribed`) set the topic's
 * record in `smsSubscriptions`, apart from email consent. An event that would not change the record decides
 * nothing (a replay, or a second STOP). Pure: the same event and profile give the same decision.
 */
export const smsConsentRule: Rule<object, SmsDecision> = ({ event, contact }) => {
  if (event.type !== EventName.SmsUnsubscribed && event.type !== EventName.SmsSubscribed) return [];
  const status = event.type === EventName.SmsUnsubscribed ? 'unsubscribed' : 'subscribed';
  const current = contact.smsSubscriptions?.[event.data.topic];
  if (current?.status === status && current.at >= event.occurredAt) return [];
  // A later event already set the record (events may be applied late): the newer statement stands.
  if (current && current.at > event.occurredAt) return [];
  const subscription: Subscription = { status, at: event.occurredAt, source: event.data.source, basis: 'sms_keyword' };
  return [
    {
      type: 'UpdateSmsConsent',
      contactId: contact.contactId,
      topic: event.data.topic,
      subscription,
      records: { ...contact.smsSubscriptions, [event.data.topic]: subscription },
      seenUpdatedAt: contact.updatedAt,
    },
  ];
};
