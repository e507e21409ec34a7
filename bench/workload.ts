import * as z from 'zod';

export const FORM_ID = 'demo-request';

/**
 * Which emails a load run posts: a fresh one per request (every post creates a contact), or round-robin over a
 * small pool created beforehand (every post updates a contact, and concurrent posts can collide on one).
 */
export const Workload = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('new'), prefix: z.string().min(1) }),
  z.object({ kind: z.literal('repeat'), prefix: z.string().min(1), poolSize: z.int().positive() }),
]);
export type Workload = z.infer<typeof Workload>;

/** What both load generators (through the gateway, and straight at DynamoDB) are asked to do. */
export const LoadPlan = z.object({
  connections: z.int().positive(),
  seconds: z.number().positive(),
  /** Unmeasured load first, so the measured part starts with this level's connections open and its rate steady. */
  warmupSeconds: z.number().nonnegative(),
  workload: Workload,
});
export type LoadPlan = z.infer<typeof LoadPlan>;

/** A run of the floor, against the runtime's DynamoDB Local. */
export const FloorPlan = LoadPlan.extend({ endpoint: z.url(), tableName: z.string().min(1) });
export type FloorPlan = z.infer<typeof FloorPlan>;

/** A run through the runtime's gateway. */
export const GatewayPlan = LoadPlan.extend({ url: z.url() });
export type GatewayPlan = z.infer<typeof GatewayPlan>;

/** The workload for a run's warm-up: new contacts get emails of their own, repeat contacts the same pool. */
export function warmupOf(workload: Workload): Workload {
  return workload.kind === 'new' ? { ...workload, prefix: `${workload.prefix}-warmup` } : workload;
}

/** The email of the i-th request of a run. */
export function emailFor(workload: Workload, i: number): string {
  const n = workload.kind === 'new' ? i : i % workload.poolSize;
  return `${workload.prefix}-${n}@bench.example.com`;
}

/** The JSON body a visitor's browser posts; the same fields the direct floor records. */
export function formFields(workload: Workload, i: number) {
  return { email: emailFor(workload, i), first_name: 'Bench', budget: 1_000 + (i % 100) };
}

/** One run of either load generator: the latency of every successful operation, in milliseconds. */
export const LoadRun = z.object({
  latencies: z.array(z.number().nonnegative()),
  failed: z.int().nonnegative(),
  seconds: z.number().positive(),
  /** CPU time (user + system) the generator process spent during the measured part. */
  cpuMs: z.number().nonnegative(),
  /** Responses by status code (gateway), or outcomes by name (floor). */
  outcomes: z.record(z.string(), z.int().nonnegative()),
});
export type LoadRun = z.infer<typeof LoadRun>;

/** Several runs of one generator at one level, taken together. */
export const LoadSummary = z.object({
  succeeded: z.int().nonnegative(),
  failed: z.int().nonnegative(),
  perSecond: z.number().nonnegative(),
  p50: z.number().nonnegative(),
  p99: z.number().nonnegative(),
  /** CPU milliseconds the generator process spent per successful operation. */
  cpuMsPerOp: z.number().nonnegative(),
  outcomes: z.record(z.string(), z.int().nonnegative()),
});
export type LoadSummary = z.infer<typeof LoadSummary>;

/** Pools the latencies of all runs (percentiles of the whole), and divides operations by the runs' total time. */
export function summarize(runs: readonly LoadRun[]): LoadSummary {
  const sorted = runs.flatMap((run) => run.latencies).sort((a, b) => a - b);
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  const outcomes: Record<string, number> = {};
  for (const run of runs) for (const [name, n] of Object.entries(run.outcomes)) outcomes[name] = (outcomes[name] ?? 0) + n;
  return {
    succeeded: sorted.length,
    failed: runs.reduce((sum, run) => sum + run.failed, 0),
    perSecond: sorted.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    cpuMsPerOp: runs.reduce((sum, run) => sum + run.cpuMs, 0) / sorted.length,
    outcomes,
  };
}

/** Nearest-rank percentile (0–100) of values sorted ascending; 0 when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** What the orchestrator asks the intake bench to measure. */
export const IntakePlan = z.object({
  concurrency: z.array(z.int().positive()).min(1),
  /** Measured seconds per generator and level, split into `rounds` alternating floor/gateway runs. */
  seconds: z.number().positive(),
  /** Fewer seconds where a level settles quickly (c=1), by concurrency. */
  secondsAt: z.record(z.string(), z.number().positive()),
  rounds: z.int().positive(),
  /** Unmeasured seconds at the start of every run (see {@link LoadPlan}). */
  runWarmupSeconds: z.number().nonnegative(),
  /** Unmeasured seconds of both generators before the first run. */
  warmupSeconds: z.number().nonnegative(),
  poolSize: z.int().positive(),
});
export type IntakePlan = z.infer<typeof IntakePlan>;

/** One concurrency level of one workload: the floor, the gateway, and the DynamoDB calls behind the gateway run. */
export const IntakePoint = z.object({
  workload: z.enum(['new', 'repeat']),
  connections: z.int().positive(),
  floor: LoadSummary,
  gateway: LoadSummary,
  calls: z.object({
    posts: z.int().nonnegative(),
    postCalls: z.record(z.string(), z.int().nonnegative()),
    backgroundCalls: z.int().nonnegative(),
    otherCalls: z.int().nonnegative(),
  }),
  /**
   * The gateway's process (gateway, handlers, SDK) over its runs: CPU per successful post, and the share of time
   * its event loop was busy; near 1 the process is the bottleneck and requests queue in it.
   */
  gatewayProcess: z.object({
    cpuMsPerPost: z.number().nonnegative(),
    eventLoopBusy: z.number().min(0).max(1),
  }),
});
export type IntakePoint = z.infer<typeof IntakePoint>;

/** CPU time (user + system) this process has spent since `start` (from `process.cpuUsage()`), in milliseconds. */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1_000;
}

/** The tracking API's batch bench: `/v1/batch` with full batches of `track` events for identified users. */
export const BatchPlan = z.object({
  concurrency: z.array(z.int().positive()).min(1),
  seconds: z.number().positive(),
  rounds: z.int().positive(),
  runWarmupSeconds: z.number().nonnegative(),
  warmupSeconds: z.number().nonnegative(),
  /** Identified users the events are spread over. */
  users: z.int().positive(),
  eventsPerBatch: z.int().min(1).max(100),
});
export type BatchPlan = z.infer<typeof BatchPlan>;

/** One run of either batch generator; `prefix` keeps message ids unique across runs. */
export const BatchRunPlan = z.object({
  connections: z.int().positive(),
  seconds: z.number().positive(),
  warmupSeconds: z.number().nonnegative(),
  prefix: z.string().min(1),
  users: z.int().positive(),
  eventsPerBatch: z.int().min(1).max(100),
});
export type BatchRunPlan = z.infer<typeof BatchRunPlan>;
export const BatchFloorPlan = BatchRunPlan.extend({ endpoint: z.url(), tableName: z.string().min(1) });
export type BatchFloorPlan = z.infer<typeof BatchFloorPlan>;
export const BatchGatewayPlan = BatchRunPlan.extend({ url: z.url(), writeKey: z.string().min(1) });
export type BatchGatewayPlan = z.infer<typeof BatchGatewayPlan>;

/** The user id of the i-th seeded user. */
export const benchUserId = (i: number) => `bench-user-${i}`;

/** The n-th batch of a run, as a Segment SDK sends it: `track` events with their own message ids and timestamps. */
export function batchOf(plan: Pick<BatchRunPlan, 'prefix' | 'users' | 'eventsPerBatch'>, n: number, now = new Date().toISOString()) {
  return {
    batch: Array.from({ length: plan.eventsPerBatch }, (_, j) => ({
      type: 'track',
      userId: benchUserId((n * plan.eventsPerBatch + j) % plan.users),
      event: j % 10 === 0 ? 'checkout_started' : 'product_viewed',
      properties: { sku: `sku-${j}`, price: 10 + j },
      messageId: `${plan.prefix}-${n}-${j}`,
      timestamp: now,
    })),
    sentAt: now,
  };
}

/** One concurrency level of the batch bench: events per second through the gateway vs the direct floor. */
export const BatchPoint = z.object({
  connections: z.int().positive(),
  eventsPerBatch: z.int().positive(),
  floor: LoadSummary,
  gateway: LoadSummary,
  calls: z.object({
    posts: z.int().nonnegative(),
    postCalls: z.record(z.string(), z.int().nonnegative()),
    backgroundCalls: z.int().nonnegative(),
    otherCalls: z.int().nonnegative(),
  }),
  gatewayProcess: z.object({ cpuMsPerPost: z.number().nonnegative(), eventLoopBusy: z.number().min(0).max(1) }),
});
export type BatchPoint = z.infer<typeof BatchPoint>;
