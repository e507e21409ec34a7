import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, type BatchGetCommandOutput, paginateQuery, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { broadcastListKeys, BROADCASTS_PARTITION, keys, segmentMembersPartition } from '../shared/keys';
import type { BroadcastCounts, BroadcastProgress } from './domain/broadcast';
import { BroadcastRecord, type Audience, type BroadcastStore } from './ports';

/** The broadcast items (`BROADCAST#<id>` / `BROADCAST`, listed through GSI1 `BROADCASTS`). */
export class DynamoBroadcastStore implements BroadcastStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(record: BroadcastRecord) {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.broadcast(record.id), ...broadcastListKeys(record.createdAt, record.id), ...withoutUndefined(record) },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return { type: 'Created' as const };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const stored = await this.get(record.id);
      if (!stored) throw error;
      return { type: 'Exists' as const, record: stored };
    }
  }

  async get(broadcastId: string): Promise<BroadcastRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.broadcast(broadcastId), ConsistentRead: true }));
    return Item ? BroadcastRecord.parse(Item) : undefined;
  }

  async list(limit: number, cursor?: string) {
    const { Items, LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :p',
        ExpressionAttributeValues: { ':p': BROADCASTS_PARTITION },
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor) } : {}),
      }),
    );
    return { items: (Items ?? []).map((item) => BroadcastRecord.parse(item)), ...(LastEvaluatedKey ? { cursor: encodeCursor(LastEvaluatedKey) } : {}) };
  }

  async markSending(broadcastId: string, at: Date): Promise<boolean> {
    return this.conditionally({
      Key: keys.broadcast(broadcastId),
      UpdateExpression: 'SET #s = :sending, updatedAt = :at',
      ConditionExpression: '#s = :queued',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':sending': 'sending', ':queued': 'queued', ':at': at.toISOString() },
    });
  }

  async commitPage(broadcastId: string, page: number, counts: BroadcastCounts, progress: BroadcastProgress, at: Date): Promise<boolean> {
    return this.conditionally({
      Key: keys.broadcast(broadcastId),
      // Whatever the status: a cancel during the page keeps the page's counts (those emails went out).
      UpdateExpression: 'SET counts = :counts, progress = :progress, updatedAt = :at',
      ConditionExpression: 'progress.page = :page',
      ExpressionAttributeValues: { ':counts': counts, ':progress': withoutUndefined(progress), ':page': page, ':at': at.toISOString() },
    });
  }

  async finish(broadcastId: string, status: 'sent' | 'failed', at: Date, error?: string): Promise<boolean> {
    return this.conditionally({
      Key: keys.broadcast(broadcastId),
      UpdateExpression: `SET #s = :status, finishedAt = :at, updatedAt = :at${error ? ', #e = :error' : ''}`,
      ConditionExpression: '#s IN (:queued, :sending)',
      ExpressionAttributeNames: { '#s': 'status', ...(error ? { '#e': 'error' } : {}) },
      ExpressionAttributeValues: { ':status': status, ':at': at.toISOString(), ':queued': 'queued', ':sending': 'sending', ...(error ? { ':error': error } : {}) },
    });
  }

  async pick(broadcastId: string, arm: string, at: Date) {
    const picked = await this.conditionally({
      Key: keys.broadcast(broadcastId),
      UpdateExpression: 'SET picked = :picked, updatedAt = :at',
      ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(rollout)',
      ExpressionAttributeValues: { ':picked': { arm, at: at.toISOString() }, ':at': at.toISOString() },
    });
    const record = await this.get(broadcastId);
    return record ? { type: picked ? ('Picked' as const) : ('Decided' as const), record } : undefined;
  }

  async recordRollout(broadcastId: string, rollout: NonNullable<BroadcastRecord['rollout']>, picked: string | undefined): Promise<boolean> {
    return this.conditionally({
      Key: keys.broadcast(broadcastId),
      UpdateExpression: 'SET rollout = :rollout, updatedAt = :at',
      ConditionExpression: `attribute_not_exists(rollout) AND ${picked === undefined ? 'attribute_not_exists(picked)' : 'picked.arm = :picked'}`,
      ExpressionAttributeValues: { ':rollout': rollout, ':at': rollout.at, ...(picked === undefined ? {} : { ':picked': picked }) },
    });
  }

  async cancel(broadcastId: string, at: Date) {
    const cancelled = await this.conditionally({
      Key: keys.broadcast(broadcastId),
      UpdateExpression: 'SET #s = :cancelled, finishedAt = :at, updatedAt = :at',
      ConditionExpression: '#s IN (:queued, :sending)',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':cancelled': 'cancelled', ':at': at.toISOString(), ':queued': 'queued', ':sending': 'sending' },
    });
    const record = await this.get(broadcastId);
    return record ? { cancelled, record } : undefined;
  }

  private async conditionally(input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>): Promise<boolean> {
    try {
      await this.db.send(new UpdateCommand({ TableName: this.tableName, ...input }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

/** Segment members through GSI1 (`SEGMENT#<segmentId>` / `<contactId>`), and their profiles' time zones. */
export class DynamoAudience implements Audience {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async page(segmentId: string, limit: number, cursor?: string) {
    const { Items, LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :p',
        ExpressionAttributeValues: { ':p': segmentMembersPartition(segmentId) },
        ProjectionExpression: 'contactId',
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor) } : {}),
      }),
    );
    return {
      contactIds: (Items ?? []).map((item) => String(item.contactId)),
      ...(LastEvaluatedKey ? { cursor: encodeCursor(LastEvaluatedKey) } : {}),
    };
  }

  async count(segmentId: string): Promise<number> {
    let count = 0;
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :p',
        ExpressionAttributeValues: { ':p': segmentMembersPartition(segmentId) },
        Select: 'COUNT',
      },
    );
    for await (const page of pages) count += page.Count ?? 0;
    return count;
  }

  async timeZones(contactIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const zones = new Map<string, string>();
    for (let i = 0; i < contactIds.length; i += 100) {
      let pending: Record<string, unknown>[] | undefined = contactIds.slice(i, i + 100).map((id) => keys.profile(id));
      // BatchGetItem may leave keys unprocessed under load; ask again for those until none is left.
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 25 * 2 ** attempt)));
        const { Responses, UnprocessedKeys }: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: { Keys: pending, ProjectionExpression: 'contactId, #a.#tz', ExpressionAttributeNames: { '#a': 'attributes', '#tz': 'time_zone' } },
            },
          }),
        );
        for (const item of Responses?.[this.tableName] ?? []) {
          const zone = (item.attributes as Record<string, unknown> | undefined)?.time_zone;
          if (typeof zone === 'string') zones.set(String(item.contactId), zone);
        }
        pending = UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return zones;
  }
}

/** A query's `LastEvaluatedKey` as an opaque string (stored in the progress, handed back by GET /broadcasts). */
function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
