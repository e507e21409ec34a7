import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { metricPartition, metricValueRange, parseMetricValueSk } from '../shared/keys';
import { queryAll } from '../shared/query';
import { shardsOf } from './domain/counters';
import { EVENT_COUNTER_SHARDS } from './domain/metrics';
import type { Metrics } from './metrics';

/**
 * Daily counters in the single table: one Query per shard over the date range (`SK BETWEEN from AND to`), so a
 * report costs O(shards) requests and O(days × shards) items, whatever the number of contacts; per-value counters
 * the same way, O(days × values × shards) small items.
 */
export class DynamoMetrics implements Metrics {
  /** Items read so far (the benchmark reports it). */
  itemsRead = 0;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly shards = EVENT_COUNTER_SHARDS,
  ) {}

  async daily(metric: string, from: string, to: string): Promise<Map<string, number>> {
    const totals = new Map<string, number>();
    for (const [day, counts] of await this.read(metric, this.shards, from, to)) totals.set(day, Number(counts.count ?? 0));
    return totals;
  }

  counters(metric: string, from: string, to: string): Promise<Map<string, Record<string, number>>> {
    return this.read(metric, shardsOf(metric), from, to);
  }

  async byValue(metric: string, from: string, to: string): Promise<Map<string, Map<string, Record<string, number>>>> {
    const days = new Map<string, Map<string, Record<string, number>>>();
    for (const [sk, counts] of await this.read(metric, shardsOf(metric), ...metricValueRange(from, to))) {
      const { day, value } = parseMetricValueSk(sk);
      days.set(day, (days.get(day) ?? new Map<string, Record<string, number>>()).set(value, counts));
    }
    return days;
  }

  /** The items of `metric`'s shards with `SK BETWEEN from AND to`, by SK, each counter summed over the shards. */
  private async read(metric: string, shards: number, from: string, to: string): Promise<Map<string, Record<string, number>>> {
    const totals = new Map<string, Record<string, number>>();
    await Promise.all(
      Array.from({ length: shards }, async (_, shard) => {
        const items = await queryAll(this.db, {
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': metricPartition(metric, shard), ':from': from, ':to': to },
        });
        for (const item of items) {
          this.itemsRead++;
          const day = String(item.SK);
          const sums = totals.get(day) ?? {};
          for (const [name, value] of Object.entries(item)) {
            if (name === 'PK' || name === 'SK' || typeof value !== 'number') continue;
            sums[name] = (sums[name] ?? 0) + value;
          }
          totals.set(day, sums);
        }
      }),
    );
    return new Map([...totals].sort(([a], [b]) => a.localeCompare(b)));
  }
}
