import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { metricPartition } from '../shared/keys';
import { queryAll } from '../shared/query';
import { SEGMENT_COUNTER_SHARDS, segmentMetric } from './domain/rules';
import type { SegmentCounters } from './ports';

/** The `current` item's SK: it sorts after every day, so a day range never reads it. */
const GAUGE = 'current';

/** A segment's counters in the single table: one Query per shard, O(days × shards) items whatever the segment's size. */
export class DynamoSegmentCounters implements SegmentCounters {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async size(segmentId: string): Promise<number> {
    let size = 0;
    for (const item of await this.read(segmentId, GAUGE, GAUGE)) size += typeof item.size === 'number' ? item.size : 0;
    return size;
  }

  async daily(segmentId: string, from: string, to: string): Promise<Map<string, { entered: number; exited: number }>> {
    const days = new Map<string, { entered: number; exited: number }>();
    for (const item of await this.read(segmentId, from, to)) {
      const day = String(item.SK);
      const counts = days.get(day) ?? { entered: 0, exited: 0 };
      counts.entered += typeof item.entered === 'number' ? item.entered : 0;
      counts.exited += typeof item.exited === 'number' ? item.exited : 0;
      days.set(day, counts);
    }
    return new Map([...days].sort(([a], [b]) => a.localeCompare(b)));
  }

  private async read(segmentId: string, from: string, to: string): Promise<Record<string, unknown>[]> {
    const shards = await Promise.all(
      Array.from({ length: SEGMENT_COUNTER_SHARDS }, (_, shard) =>
        queryAll(this.db, {
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': metricPartition(segmentMetric(segmentId), shard), ':from': from, ':to': to },
        }),
      ),
    );
    return shards.flat();
  }
}
