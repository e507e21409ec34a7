import type { Capability, TransactEntry, WriteContext } from '../reactor/capability';
import { WriteConflict } from '../reactor/capability';
import { keys } from '../shared/keys';
import { smsConsentRule, type SmsDecision, type UpdateSmsConsent } from './domain/consent-rule';
import { smsEvents } from './events';

/** The profile changed between the reactor's load and its commit: the record is retried with it loaded again. */
export class SmsConsentConflict extends WriteConflict {
  override name = 'SmsConsentConflict';
}

/**
 * SMS in the reactor: its events, and the SMS consent a STOP or START texted by the contact sets on the profile
 * (`smsSubscriptions`), in the event's own transaction.
 */
export const smsCapability: Capability<object, SmsDecision, UpdateSmsConsent> = {
  name: 'sms',
  events: smsEvents,
  rules: [smsConsentRule],
  writes: { UpdateSmsConsent: updateSmsConsent },
  calls: {},
};

/**
 * The whole `smsSubscriptions` map written back with the one topic changed, conditional on `updatedAt` as loaded
 * (every writer of the upsert-owned parts moves it, so a concurrent API upsert of SMS consent is not lost).
 */
function updateSmsConsent(decision: UpdateSmsConsent, { tableName, event, at }: WriteContext): TransactEntry[] {
  return [
    {
      item: {
        Update: {
          TableName: tableName,
          Key: keys.profile(decision.contactId),
          UpdateExpression: 'SET smsSubscriptions = :records, updatedAt = :now',
          ConditionExpression: 'attribute_exists(PK) AND updatedAt = :seen',
          ExpressionAttributeValues: { ':records': decision.records, ':now': at.toISOString(), ':seen': decision.seenUpdatedAt },
        },
      },
      onRefused: () => new SmsConsentConflict(`contact ${event.contactId}: profile changed since event ${event.eventId} was loaded`),
    },
  ];
}
