import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { metricPartition } from '../shared/keys';
import { EVENT_COUNTER_SHARDS } from './domain/metrics';
import type { Metrics } from './metrics';

/**
 * Daily counters in the single table: one Query per shard over the date range (`SK BETWEEN from AND to`), so a
 * report costs O(shards) requests and O(days × shards) items, whatever the number of contacts.
 */
export class DynamoMetrics implements Metrics {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly shards = EVENT_COUNTER_SHARDS,
  ) {}

  async daily(metric: string, from: string, to: string): Promise<Map<string, number>> {
    const totals = new Map<string, number>();
    await Promise.all(
      Array.from({ length: this.shards }, async (_, shard) => {
        let start: Record<string, unknown> | undefined;
        do {
          const page = await this.db.send(
            new QueryCommand({
              TableName: this.tableName,
              KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
              ExpressionAttributeValues: { ':pk': metricPartition(metric, shard), ':from': from, ':to': to },
              ExclusiveStartKey: start,
            }),
          );
          for (const item of page.Items ?? []) {
            const day = String(item.SK);
            totals.set(day, (totals.get(day) ?? 0) + Number(item.count ?? 0));
          }
          start = page.LastEvaluatedKey;
        } while (start);
      }),
    );
    return new Map([...totals].sort(([a], [b]) => a.localeCompare(b)));
  }
}
