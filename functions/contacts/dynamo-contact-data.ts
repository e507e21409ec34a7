import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, BatchWriteCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../shared/keys';
import { queryAll } from '../shared/query';
import { suppressionKey } from '../shared/suppression';
import { refusedBy } from '../shared/transactions';
import type { ContactData } from './contacts-out';
import { ERASURE_SK, type ErasureOutcome, type Item, type Key } from './domain/contact-data';

/**
 * Erasure items of the single table (besides the suppression list, functions/shared/suppression.ts):
 *
 * | item                     | PK                         | SK                          |
 * | ------------------------ | -------------------------- | --------------------------- |
 * | erasure record           | CONTACT#<contactId>        | ERASED                      |
 * | erasure audit record     | AUDIT#erasures#<yyyy-mm>   | <erasedAt>#<contactId>      |
 *
 * The erasure record marks an erase in progress (`erasing`) and then its outcome (`erased`): a rerun after a crash
 * finds it and finishes, a second erase answers the outcome. Neither record holds personal data.
 */
export const erasureKeys = {
  record: (contactId: string): Key => ({ PK: `CONTACT#${contactId}`, SK: ERASURE_SK }),
  audit: (contactId: string, erasedAt: string): Key => ({ PK: `AUDIT#erasures#${erasedAt.slice(0, 7)}`, SK: `${erasedAt}#${contactId}` }),
};

const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;
const MAX_ATTEMPTS = 10;

export class DynamoContactData implements ContactData {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  partition(contactId: string): Promise<Item[]> {
    return queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.profile(contactId).PK },
      ConsistentRead: true,
    });
  }

  async get(wanted: readonly Key[]): Promise<Item[]> {
    const items: Item[] = [];
    for (let i = 0; i < wanted.length; i += BATCH_GET_MAX) {
      let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
        [this.tableName]: { Keys: wanted.slice(i, i + BATCH_GET_MAX).map((key) => ({ PK: key.PK, SK: key.SK })), ConsistentRead: true },
      };
      for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
        if (attempt >= MAX_ATTEMPTS) throw new Error('BatchGetItem kept returning unprocessed keys');
        if (attempt > 0) await sleep(Math.min(1_000, 20 * 2 ** attempt));
        const result = await this.db.send(new BatchGetCommand({ RequestItems: request }));
        items.push(...(result.Responses?.[this.tableName] ?? []));
        request = result.UnprocessedKeys as typeof request;
      }
    }
    return items;
  }

  /**
   * Opens the erase: the erasure record (kept as is when a crashed erase opened it before) and the suppressed
   * address, together, before anything is deleted, so no later write can bring the address back unnoticed.
   */
  async begin(contactId: string, hash: string | undefined, requestedAt: string): Promise<void> {
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.tableName,
              Key: erasureKeys.record(contactId),
              UpdateExpression: 'SET #status = if_not_exists(#status, :erasing), requestedAt = if_not_exists(requestedAt, :at), contactId = :id',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':erasing': 'erasing', ':at': requestedAt, ':id': contactId },
            },
          },
          // A contact known only by a user id (the tracking API) has no address to suppress.
          ...(hash
            ? [
                {
                  Update: {
                    TableName: this.tableName,
                    Key: suppressionKey(hash),
                    UpdateExpression: 'SET suppressedAt = if_not_exists(suppressedAt, :at), reason = :reason',
                    ExpressionAttributeValues: { ':at': requestedAt, ':reason': 'erased' },
                  },
                },
              ]
            : []),
        ],
      }),
    );
  }

  /** Deletes items 25 per BatchWriteItem (unprocessed ones again, backing off); deleting a missing item is a no-op. */
  async delete(contactId: string, doomed: readonly Key[]): Promise<number> {
    for (let i = 0; i < doomed.length; i += BATCH_WRITE_MAX) {
      let requests = doomed.slice(i, i + BATCH_WRITE_MAX).map((key) => ({ DeleteRequest: { Key: { PK: key.PK, SK: key.SK } } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt >= MAX_ATTEMPTS) throw new Error('BatchWriteItem kept returning unprocessed items');
        if (attempt > 0) await sleep(Math.min(1_000, 20 * 2 ** attempt));
        const result = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      }
    }
    if (doomed.length > 0) {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: erasureKeys.record(contactId),
          UpdateExpression: 'ADD itemsDeleted :n',
          ExpressionAttributeValues: { ':n': doomed.length },
        }),
      );
    }
    return doomed.length;
  }

  /**
   * Closes the erase in one transaction: the profile and the email claim go (the claim only while it is still this
   * contact's), the erasure record takes the outcome and the audit record is written. Refused when another run
   * closed it first: that run's outcome stands.
   */
  async finish(contactId: string, normalizedEmail: string | undefined, outcome: Omit<ErasureOutcome, 'itemsDeleted'>): Promise<ErasureOutcome | 'AlreadyFinished'> {
    // The profile, and the claim when it goes too, count among the items deleted.
    const record = (deleted: number) => ({
      Update: {
        TableName: this.tableName,
        Key: erasureKeys.record(contactId),
        UpdateExpression:
          'SET #status = :erased, erasedAt = :at, journeysStopped = :stopped, crm = :crm, erasedBy = :by ADD itemsDeleted :n',
        ConditionExpression: '#status = :erasing',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':erased': 'erased',
          ':erasing': 'erasing',
          ':at': outcome.erasedAt,
          ':stopped': outcome.journeysStopped,
          ':crm': outcome.crm ?? null,
          ':by': outcome.erasedBy ?? null,
          ':n': deleted,
        },
      },
    });
    const audit = {
      Put: {
        TableName: this.tableName,
        Item: {
          ...erasureKeys.audit(contactId, outcome.erasedAt),
          action: 'contact.erased',
          contactId,
          requestedAt: outcome.requestedAt,
          erasedAt: outcome.erasedAt,
          journeysStopped: outcome.journeysStopped,
          ...(outcome.crm ? { crm: outcome.crm } : {}),
          ...(outcome.erasedBy ? { erasedBy: outcome.erasedBy } : {}),
        },
      },
    };
    const profile = { Delete: { TableName: this.tableName, Key: keys.profile(contactId) } };
    const claim = normalizedEmail
      ? {
          Delete: {
            TableName: this.tableName,
            Key: keys.email(normalizedEmail),
            ConditionExpression: 'attribute_not_exists(PK) OR contactId = :id',
            ExpressionAttributeValues: { ':id': contactId },
          },
        }
      : undefined;
    const write = (withClaim: boolean) =>
      this.db.send(new TransactWriteCommand({ TransactItems: [record(withClaim && claim ? 2 : 1), audit, profile, ...(withClaim && claim ? [claim] : [])] }));
    try {
      await write(true);
    } catch (error) {
      if (refusedBy(error, 0)) return 'AlreadyFinished';
      // The address now belongs to a newer contact (created with fresh consent): its claim is not this erase's.
      if (claim && refusedBy(error, 3)) await write(false);
      else throw error;
    }
    const [stored] = await this.get([erasureKeys.record(contactId)]);
    return { ...outcome, itemsDeleted: Number(stored?.itemsDeleted ?? 0) };
  }
}
