import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { metricPartition } from '../shared/keys';
import { queryAll } from '../shared/query';
import { EXPERIMENT_SHARDS, experimentMetric } from './domain/counting';
import type { ExperimentCounters } from './ports';

/** The experiment's daily counter items: one Query per shard, every day of its life (a test lasts weeks, not years). */
export class DynamoExperimentCounters implements ExperimentCounters {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async totals(experimentId: string): Promise<Record<string, number>> {
    const shards = await Promise.all(
      Array.from({ length: EXPERIMENT_SHARDS }, (_, shard) =>
        queryAll(this.db, {
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': metricPartition(experimentMetric(experimentId), shard) },
        }),
      ),
    );
    const totals: Record<string, number> = {};
    for (const item of shards.flat()) {
      for (const [name, value] of Object.entries(item)) {
        if (name === 'PK' || name === 'SK' || typeof value !== 'number') continue;
        totals[name] = (totals[name] ?? 0) + value;
      }
    }
    return totals;
  }
}
