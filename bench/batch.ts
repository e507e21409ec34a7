/**
 * Child script: the tracking API's batch benchmark. Starts the local runtime in this process, identifies a pool of
 * users through the gateway, then at each concurrency level measures the floor (`DynamoTracking.store` straight
 * from the SDK) and `/v1/batch` through the gateway in alternating runs, counting the handlers' DynamoDB calls.
 */
import { startRuntime, type Runtime } from '../local/runtime';
import { countCalls } from './call-counter';
import { progress, serveRuns, startChild } from './child';
import {
  BatchPlan,
  LoadRun,
  benchUserId,
  cpuMsSince,
  summarize,
  type BatchFloorPlan,
  type BatchGatewayPlan,
  type BatchPoint,
  type BatchRunPlan,
} from './workload';

const WRITE_KEY = 'bench-write-key';
let running: Runtime | undefined;

serveRuns(BatchPlan, measureBatches, async () => {
  await running?.stop();
});

async function measureBatches(plan: BatchPlan): Promise<BatchPoint[]> {
  process.env.NURTURE_WRITE_KEY = WRITE_KEY;
  const runtime = await startRuntime({ port: 0, dynamoDbPort: 0, sesPort: 0, cognitoPort: 0, dataDir: null });
  running = runtime;
  const { dynamoDb } = await import('../functions/shared/aws');
  const counter = countCalls(dynamoDb);
  counter.pauseBackground();
  const floor = startChild<BatchFloorPlan, LoadRun>('bench/batch-floor-client.ts', LoadRun);
  const gateway = startChild<BatchGatewayPlan, LoadRun>('bench/batch-load-client.ts', LoadRun);
  try {
    for (let i = 0; i < plan.users; i++) {
      const response = await fetch(`${runtime.url}/v1/identify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
        body: JSON.stringify({ userId: benchUserId(i), traits: { email: `${benchUserId(i)}@bench.example.com`, plan: 'trial' } }),
      });
      if (!response.ok) throw new Error(`identifying the bench users failed: HTTP ${response.status}`);
    }
    progress(`identified ${plan.users} users through the gateway`);
    const base = { users: plan.users, eventsPerBatch: plan.eventsPerBatch };
    const runFloor = (run: BatchRunPlan) => floor.run({ ...run, endpoint: runtime.dynamoDbEndpoint, tableName: runtime.tableName });
    const runGateway = (run: BatchRunPlan) => gateway.run({ ...run, url: runtime.url, writeKey: WRITE_KEY });
    if (plan.warmupSeconds > 0) {
      const warm = { ...base, connections: 4, seconds: plan.warmupSeconds, warmupSeconds: 0 };
      await runFloor({ ...warm, prefix: 'warm-floor' });
      await runGateway({ ...warm, prefix: 'warm-gateway' });
      progress(`warmed up for ${2 * plan.warmupSeconds} s`);
    }

    const points: BatchPoint[] = [];
    for (const connections of plan.concurrency) {
      const slice = { ...base, connections, seconds: plan.seconds / plan.rounds, warmupSeconds: plan.runWarmupSeconds };
      const floorRuns: LoadRun[] = [];
      const gatewayRuns: LoadRun[] = [];
      const busy = { cpuMs: 0, active: 0, idle: 0 };
      counter.reset();
      for (let round = 1; round <= plan.rounds; round++) {
        const f = async () => floorRuns.push(await runFloor({ ...slice, prefix: `floor-c${connections}-r${round}` }));
        const g = async () => {
          const cpu = process.cpuUsage();
          const loop = performance.eventLoopUtilization();
          gatewayRuns.push(await runGateway({ ...slice, prefix: `gateway-c${connections}-r${round}` }));
          const { active, idle } = performance.eventLoopUtilization(loop);
          busy.cpuMs += cpuMsSince(cpu);
          busy.active += active;
          busy.idle += idle;
        };
        if (round % 2 === 1) await f().then(g);
        else await g().then(f);
      }
      const calls = counter.counts();
      const point: BatchPoint = {
        connections,
        eventsPerBatch: plan.eventsPerBatch,
        floor: summarize(floorRuns),
        gateway: summarize(gatewayRuns),
        calls,
        gatewayProcess: { cpuMsPerPost: busy.cpuMs / calls.posts, eventLoopBusy: busy.active / (busy.active + busy.idle) },
      };
      points.push(point);
      progress(
        `batches of ${plan.eventsPerBatch}, c=${connections}: floor ${(point.floor.perSecond * plan.eventsPerBatch).toFixed(0)} events/s, ` +
          `gateway ${(point.gateway.perSecond * plan.eventsPerBatch).toFixed(0)} events/s`,
      );
    }
    return points;
  } finally {
    await Promise.all([floor.close(), gateway.close()]);
    counter.resumeBackground();
    running = undefined;
    await runtime.stop();
  }
}
