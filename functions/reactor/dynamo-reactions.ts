import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from '../shared/keys';
import type { ObservedEvent, Reaction } from './domain/reactions';

export type ApplyOutcome = { readonly type: 'Applied' } | { readonly type: 'AlreadyProcessed' };

export interface Reactions {
  apply(event: ObservedEvent, reactions: readonly Reaction[], at: Date): Promise<ApplyOutcome>;
}

/**
 * Applies an event's reactions and sets its processed marker in one transaction. The marker's condition makes a
 * redelivered stream record (retries, replays) a no-op instead of a double count.
 */
export class DynamoReactions implements Reactions {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async apply(event: ObservedEvent, reactions: readonly Reaction[], at: Date): Promise<ApplyOutcome> {
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
            ...reactions.map((reaction) => this.effect(reaction)),
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

  private effect(reaction: Reaction) {
    switch (reaction.type) {
      case 'CountMetric':
        return {
          Update: {
            TableName: this.tableName,
            Key: keys.dailyMetric(reaction.day, reaction.metric),
            UpdateExpression: 'ADD #count :one',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':one': 1 },
          },
        };
    }
  }
}
