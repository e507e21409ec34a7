/**
 * Child script: on each run, posts the demo form through the local gateway with autocannon for a fixed time and
 * reports the latency of every successful post. Runs in its own process, so the load generator never competes
 * with the gateway for its event loop.
 */
import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import { serveRuns } from './child';
import { FORM_ID, GatewayPlan, cpuMsSince, formFields, warmupOf, type LoadRun, type Workload } from './workload';

serveRuns(GatewayPlan, async ({ url, connections, seconds, warmupSeconds, workload }): Promise<LoadRun> => {
  if (warmupSeconds > 0) await post(`${url}/forms/${FORM_ID}`, connections, warmupSeconds, warmupOf(workload));
  return post(`${url}/forms/${FORM_ID}`, connections, seconds, workload);
});

async function post(url: string, connections: number, seconds: number, workload: Workload): Promise<LoadRun> {
  let next = 0;
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let failed = 0;
  const cpu = process.cpuUsage();

  const result = await new Promise<autocannon.Result>((done, fail) => {
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // Built per request: each one gets the next email of the workload.
        requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify(formFields(workload, next++)) }) }],
      },
      (error: unknown, finished) => (error ? fail(error) : done(finished)),
    );
    // autocannon's own histogram has 1 ms buckets, too coarse at low concurrency, so every latency is kept here.
    // The typings omit the client argument the event actually carries first.
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
