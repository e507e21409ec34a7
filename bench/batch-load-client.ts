/**
 * Child script: posts full batches to `/v1/batch` through the local gateway with autocannon, as a Segment SDK
 * does, and reports the latency of every successful batch.
 */
import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import { serveRuns } from './child';
import { BatchGatewayPlan, batchOf, cpuMsSince, type LoadRun } from './workload';

serveRuns(BatchGatewayPlan, async (plan): Promise<LoadRun> => {
  if (plan.warmupSeconds > 0) await post(plan, plan.warmupSeconds, `${plan.prefix}-warmup`);
  return post(plan, plan.seconds, plan.prefix);
});

async function post(plan: BatchGatewayPlan, seconds: number, prefix: string): Promise<LoadRun> {
  let next = 0;
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let failed = 0;
  const cpu = process.cpuUsage();
  const result = await new Promise<autocannon.Result>((done, fail) => {
    const instance = autocannon(
      {
        url: `${plan.url}/v1/batch`,
        connections: plan.connections,
        duration: seconds,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${plan.writeKey}:`).toString('base64')}`,
        },
        requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify(batchOf({ ...plan, prefix }, next++)) }) }],
      },
      (error: unknown, finished) => (error ? fail(error) : done(finished)),
    );
    const events: EventEmitter = instance;
    events.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      outcomes[status] = (outcomes[status] ?? 0) + 1;
      if (status >= 200 && status < 300) latencies.push(ms);
      else failed++;
    });
  });
  if (result.errors > 0) outcomes.connectionErrors = result.errors;
  return { latencies, failed: failed + result.errors, seconds: result.duration, cpuMs: cpuMsSince(cpu), outcomes };
}
