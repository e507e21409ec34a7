/**
 * Child script: the batch floor. Stores the same batches the gateway run posts — `DynamoTracking.store`: one
 * BatchGetItem of the user links, then a BatchWriteItem per 25 events — straight from the SDK, without HTTP,
 * auth, JSON parsing or validation, at the same concurrency and for the same time.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseMessage, type Inbound } from '../functions/tracking/domain/messages';
import { DynamoTracking } from '../functions/tracking/dynamo-tracking';
import { localCredentials, localRegion } from '../local/dynamodb-local';
import { serveRuns } from './child';
import { BatchFloorPlan, batchOf, cpuMsSince, type BatchRunPlan, type LoadRun } from './workload';

let tracking: DynamoTracking | undefined;

serveRuns(BatchFloorPlan, async (plan): Promise<LoadRun> => {
  tracking ??= trackingAt(plan.endpoint, plan.tableName);
  if (plan.warmupSeconds > 0) await store(tracking, plan.connections, plan.warmupSeconds, { ...plan, prefix: `${plan.prefix}-warmup` });
  return store(tracking, plan.connections, plan.seconds, plan);
});

function trackingAt(endpoint: string, tableName: string): DynamoTracking {
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials, maxAttempts: 4 });
  const db = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return new DynamoTracking(db, tableName);
}

async function store(tracking: DynamoTracking, connections: number, seconds: number, plan: BatchRunPlan): Promise<LoadRun> {
  let next = 0;
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let failed = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1_000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const received = new Date();
      // The messages as the handler has them once parsed: the floor is the writes alone.
      const messages = batchOf(plan, next++, received.toISOString()).batch.map((message) => {
        const parsed = parseMessage('track', message, received);
        if (parsed.type !== 'Ok') throw new Error(parsed.error);
        return parsed.inbound;
      }) satisfies Inbound[];
      const begun = performance.now();
      try {
        const stored = await tracking.store(messages, received);
        latencies.push(performance.now() - begun);
        const ok = stored.every((outcome) => outcome.type === 'Stored') ? 'stored' : 'not stored';
        outcomes[ok] = (outcomes[ok] ?? 0) + 1;
      } catch (error) {
        const name = error instanceof Error ? error.name : 'unknown';
        outcomes[name] = (outcomes[name] ?? 0) + 1;
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return { latencies, failed, seconds: (performance.now() - started) / 1_000, cpuMs: cpuMsSince(cpu), outcomes };
}
