import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { DynamoContacts, parseContact, putEventOnce } from '../contacts/dynamo-contacts';
import { EventName } from '../shared/events';
import { ulid } from '../shared/ids';
import { keys } from '../shared/keys';
import type { NewTimelineEvent, TimelineEvent } from '../shared/timeline';
import { derivedEventId } from '../scoring/domain/derived-id';
import type { CrmStore, HandOffLease, RecordedHandOff } from './ports';
import { cancellationReasons, transactWrite } from '../shared/transactions';

/**
 * Items of the CRM capability in the single table:
 *
 * | item                     | PK                                | SK     | GSI1PK                     | GSI1SK  |
 * | ------------------------ | --------------------------------- | ------ | -------------------------- | ------- |
 * | hand-off idempotency     | IDEM#crm-handoff#<key>            | IDEM   |                            |         |
 * | CRM link                 | CONTACT#<contactId>               | CRM#<provider> | CRM#<provider>#<crmId> | CONTACT |
 * | hand-off lease           | CONTACT#<contactId>               | CRMLEASE |                          |         |
 *
 * The profile also carries `crm` (provider, id, when). The link is its own item, not GSI1 keys on the profile,
 * because other capabilities index the contact in GSI1 too; its SK sorts before `EVENT#`, so the reactor's load
 * (`SK >= 'F'`) never reads it. The lease is its own item too, so taking it never contends with the reactor's
 * transactions on the profile; it sorts before `EVENT#` as well, and lives only while a hand-off runs (a crashed
 * holder's is ignored once `heldUntil` passes, and removed by TTL a day later). Idempotency records expire after 90 days (`expiresAt`), like Step Functions'
 * execution-name dedupe window.
 */
export const crmKeys = {
  handOff: (idempotencyKey: string) => ({ PK: `IDEM#crm-handoff#${idempotencyKey}`, SK: 'IDEM' }),
  link: (contactId: string, provider: string) => ({ PK: `CONTACT#${contactId}`, SK: `CRM#${provider}` }),
  byCrmId: (provider: string, crmId: string) => `CRM#${provider}#${crmId}`,
  lease: (contactId: string) => ({ PK: `CONTACT#${contactId}`, SK: 'CRMLEASE' }),
};
const IDEMPOTENCY_TTL_S = 90 * 86_400;
const LEASE_TTL_S = 86_400;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export class DynamoCrmStore implements CrmStore {
  private readonly contacts: DynamoContacts;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.contacts = new DynamoContacts(db, tableName);
  }

  async contact(contactId: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.profile(contactId), ConsistentRead: true }),
    );
    return Item ? parseContact(Item) : undefined;
  }

  async eventSettled(contactId: string, eventId: string): Promise<boolean> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.event(contactId, eventId), ConsistentRead: true, ProjectionExpression: 'processedAt, PK' }),
    );
    return !Item || Item.processedAt !== undefined;
  }

  async priorHandOff(idempotencyKey: string): Promise<RecordedHandOff | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: crmKeys.handOff(idempotencyKey), ConsistentRead: true }),
    );
    return Item ? { provider: String(Item.provider), crmId: String(Item.crmId) } : undefined;
  }

  async takeHandOffLease(lease: HandOffLease): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...crmKeys.lease(lease.contactId),
            owner: lease.owner,
            source: lease.source,
            heldUntil: lease.until.toISOString(),
            expiresAt: Math.floor(lease.until.getTime() / 1_000) + LEASE_TTL_S,
          },
          // ISO-8601 UTC strings of one length compare as their instants do.
          ConditionExpression: 'attribute_not_exists(PK) OR heldUntil <= :now',
          ExpressionAttributeValues: { ':now': lease.now.toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async releaseHandOffLease(contactId: string, owner: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: crmKeys.lease(contactId),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      // Gone, or taken over by another hand-off after ours ran out: theirs to release.
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
  }

  async recordHandOff(h: Parameters<CrmStore['recordHandOff']>[0]): Promise<void> {
    const at = h.at.toISOString();
    const event: TimelineEvent = {
      eventId: ulid(h.at.getTime()),
      contactId: h.contactId,
      occurredAt: at,
      type: EventName.CrmHandedOff,
      data: {
        provider: h.provider,
        crmId: h.crmId,
        ...(h.reason ? { reason: h.reason } : {}),
        source: h.source,
        idempotencyKey: h.idempotencyKey,
      },
    };
    const releaseLease: TransactItem[] = h.leaseOwner
      ? [
          {
            Delete: {
              TableName: this.tableName,
              Key: crmKeys.lease(h.contactId),
              ConditionExpression: '#owner = :owner',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: { ':owner': h.leaseOwner },
            },
          },
        ]
      : [];
    try {
      await this.record(h, at, event, releaseLease);
    } catch (error) {
      const reasons = cancellationReasons(error);
      // A concurrent hand-off under the same key recorded it first: the same outcome, nothing to add.
      if (reasons[0]?.Code === 'ConditionalCheckFailed') {
        if (h.leaseOwner) await this.releaseHandOffLease(h.contactId, h.leaseOwner);
        return;
      }
      // Only the lease's release failed (the 5th item): ours ran out before we got here, and it is gone or another
      // hand-off holds it now. Record ours all the same, and leave theirs.
      const onlyLease = reasons.length === 5 && reasons[4]?.Code === 'ConditionalCheckFailed' && reasons.slice(0, 4).every((r) => r.Code === 'None');
      if (onlyLease) return this.recordHandOff({ ...h, leaseOwner: undefined });
      throw error;
    }
  }

  private async record(h: Parameters<CrmStore['recordHandOff']>[0], at: string, event: TimelineEvent, extra: TransactItem[]) {
    await transactWrite(this.db, [
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...crmKeys.handOff(h.idempotencyKey),
            contactId: h.contactId,
            provider: h.provider,
            crmId: h.crmId,
            eventId: event.eventId,
            at,
            expiresAt: Math.floor(h.at.getTime() / 1_000) + IDEMPOTENCY_TTL_S,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: keys.profile(h.contactId),
          UpdateExpression: 'SET crm = :crm',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':crm': { provider: h.provider, id: h.crmId, handedOffAt: at } },
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...crmKeys.link(h.contactId, h.provider),
            GSI1PK: crmKeys.byCrmId(h.provider, h.crmId),
            GSI1SK: 'CONTACT',
            contactId: h.contactId,
            provider: h.provider,
            crmId: h.crmId,
            at,
          },
        },
      },
      putEventOnce(this.tableName, event),
      ...extra,
    ]);
  }

  async recordFailure(f: Parameters<CrmStore['recordFailure']>[0]): Promise<void> {
    await this.contacts.appendEvent(f.contactId, {
      eventId: failureEventId(f.idempotencyKey),
      type: EventName.CrmHandOffFailed,
      occurredAt: f.at.toISOString(),
      data: {
        provider: f.provider,
        error: f.error,
        ...(f.attempts ? { attempts: f.attempts } : {}),
        source: f.source,
        idempotencyKey: f.idempotencyKey,
      },
    });
  }

  async recordSkip(k: Parameters<CrmStore['recordSkip']>[0]): Promise<void> {
    await this.contacts.appendEvent(k.contactId, {
      eventId: keyedEventId(k.idempotencyKey, 'handoff-skipped'),
      type: EventName.CrmHandOffSkipped,
      occurredAt: k.at.toISOString(),
      data: { reason: k.reason, source: k.source, idempotencyKey: k.idempotencyKey },
    });
  }

  async failureRecorded(contactId: string, idempotencyKey: string): Promise<boolean> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.event(contactId, failureEventId(idempotencyKey)) }),
    );
    return Item !== undefined;
  }

  async findContact(by: { provider?: string; crmId?: string; email?: string; contactId?: string }): Promise<string | undefined> {
    if (by.contactId) return (await this.contact(by.contactId)) ? by.contactId : undefined;
    if (by.crmId && by.provider) {
      const { Items } = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'GSI1',
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': crmKeys.byCrmId(by.provider, by.crmId) },
          Limit: 1,
        }),
      );
      const found = Items?.[0]?.contactId;
      if (typeof found === 'string') return found;
    }
    return by.email ? this.contacts.findIdByEmail(by.email) : undefined;
  }

  async appendEvent(contactId: string, event: NewTimelineEvent): Promise<'appended' | 'duplicate' | 'no-such-contact'> {
    const outcome = await this.contacts.appendEvent(contactId, event);
    return outcome.type === 'Appended' ? 'appended' : outcome.type === 'AlreadyAppended' ? 'duplicate' : 'no-such-contact';
  }
}

/**
 * The failure event's id, from the idempotency key: a hand-off that keeps failing is recorded once. The time part
 * is the key's own when the key carries a ULID (reactor keys do), so the event sorts near its cause.
 */
function failureEventId(idempotencyKey: string): string {
  return keyedEventId(idempotencyKey, 'handoff-failed');
}

function keyedEventId(idempotencyKey: string, what: string): string {
  const ulidPart = /[0-9A-HJKMNP-TV-Z]{26}/.exec(idempotencyKey)?.[0] ?? idempotencyKey;
  return derivedEventId(ulidPart, `${what}:${idempotencyKey}`);
}
