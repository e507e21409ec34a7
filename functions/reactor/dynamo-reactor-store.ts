import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseContact, toItem } from '../contacts/dynamo-contacts';
import { keys } from '../shared/keys';
import type { TimelineEvent } from '../shared/timeline';
import type { WriteDecision } from './domain/decisions';
import type { CommitOutcome, LoadedState, ReactorStore } from './ports';

/**
 * The reactor's state and writes in the single table. Loading is one consistent BatchGetItem (the event's
 * marker and the profile); committing is one TransactWriteItems whose first item is the conditional marker, so a
 * redelivered record, or two deliveries racing, apply the writes once.
 */
export class DynamoReactorStore implements ReactorStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(event: TimelineEvent): Promise<LoadedState> {
    const eventKey = keys.event(event.contactId, event.eventId);
    const profileKey = keys.profile(event.contactId);
    let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
      [this.tableName]: { Keys: [eventKey, profileKey], ConsistentRead: true },
    };
    const items: Record<string, unknown>[] = [];
    // BatchGetItem may leave keys unprocessed under load; ask again for those until none are left.
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt > 10) throw new Error('BatchGetItem kept returning unprocessed keys');
      const result = await this.db.send(new BatchGetCommand({ RequestItems: request }));
      items.push(...(result.Responses?.[this.tableName] ?? []));
      request = result.UnprocessedKeys as typeof request;
    }
    const stored = items.find((item) => item.SK === eventKey.SK);
    const profile = items.find((item) => item.SK === profileKey.SK);
    if (!stored || !profile) return { type: 'Gone' };
    if (stored.processedAt !== undefined) return { type: 'AlreadyProcessed' };
    return { type: 'Loaded', contact: parseContact(profile) };
  }

  async commit(event: TimelineEvent, writes: readonly WriteDecision[], at: Date): Promise<CommitOutcome> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: keys.event(event.contactId, event.eventId),
                UpdateExpression: 'SET processedAt = :at',
                ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(processedAt)',
                ExpressionAttributeValues: { ':at': at.toISOString() },
              },
            },
            ...writes.flatMap((write) => this.write(write)),
          ],
        }),
      );
      return { type: 'Applied' };
    } catch (error) {
      const first = error instanceof TransactionCanceledException ? error.CancellationReasons?.[0] : undefined;
      if (first?.Code === 'ConditionalCheckFailed') return { type: 'AlreadyProcessed' };
      throw error;
    }
  }

  private write(decision: WriteDecision): Record<string, unknown>[] {
    switch (decision.type) {
      case 'UpdateLifecycle':
        return this.updateLifecycle(decision);
      case 'CountMetric':
        return [{
          Update: {
            TableName: this.tableName,
            Key: keys.metric(decision.metric, decision.shard, decision.day),
            UpdateExpression: 'ADD #count :one',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':one': 1 },
          },
        }];
    }
  }

  /** One Update of the profile (score, stage) and one conditional Put per derived event (deterministic ids). */
  private updateLifecycle(decision: Extract<WriteDecision, { type: 'UpdateLifecycle' }>): Record<string, unknown>[] {
    const sets: string[] = [];
    const values: Record<string, unknown> = {};
    if (decision.score) {
      sets.push('score = :score');
      values[':score'] = decision.score;
    }
    if (decision.stage) {
      sets.push('stage = :stage', 'stageChangedAt = :stageAt');
      values[':stage'] = decision.stage.to;
      values[':stageAt'] = decision.stage.at;
    }
    const profile = sets.length
      ? [
          {
            Update: {
              TableName: this.tableName,
              Key: keys.profile(decision.contactId),
              UpdateExpression: `SET ${sets.join(', ')}`,
              ConditionExpression: 'attribute_exists(PK)',
              ExpressionAttributeValues: values,
            },
          },
        ]
      : [];
    const events = decision.events.map((event) => ({
      Put: { TableName: this.tableName, Item: toItem(event), ConditionExpression: 'attribute_not_exists(PK)' },
    }));
    return [...profile, ...events];
  }
}
