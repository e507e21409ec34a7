/**
 * Child script: the form-intake benchmark. Starts the local runtime in this process, counts the DynamoDB calls of
 * the handlers' own client, and at each concurrency level measures the floor (the same DynamoDB work issued
 * directly) and the gateway in alternating runs, each driven from a long-lived load process of its own. Handler
 * logs stay on, as in Lambda; the orchestrator sends this process's output to a log file.
 */
import { startRuntime, type Runtime } from '../local/runtime';
import { countCalls, type CallCounter } from './call-counter';
import { progress, serveRuns, startChild, type Child } from './child';
import {
  FORM_ID,
  IntakePlan,
  LoadRun,
  cpuMsSince,
  formFields,
  summarize,
  type FloorPlan,
  type GatewayPlan,
  type IntakePoint,
  type LoadPlan,
  type Workload,
} from './workload';

/** Also stopped if the orchestrator goes away mid-run, so DynamoDB Local's JVM never outlives this process. */
let running: Runtime | undefined;

serveRuns(IntakePlan, measureIntake, async () => {
  await running?.stop();
});

async function measureIntake(plan: IntakePlan): Promise<IntakePoint[]> {
  const runtime = await startRuntime({ port: 0, dynamoDbPort: 0, sesPort: 0, cognitoPort: 0, dataDir: null });
  running = runtime;
  // The module instance the runtime's handlers were loaded with (same URL, so the same client).
  const { dynamoDb } = await import('../functions/shared/aws');
  const counter = countCalls(dynamoDb);
  // In AWS the reactor is another function on other machines. Here it shares this event loop, the handlers' client
  // and DynamoDB Local, and would slow whichever run it overlaps, so it is held until the bench is over.
  counter.pauseBackground();
  const floor = startChild<FloorPlan, LoadRun>('bench/floor-client.ts', LoadRun);
  const gateway = startChild<GatewayPlan, LoadRun>('bench/load-client.ts', LoadRun);
  try {
    const bench = new IntakeBench(runtime, counter, floor, gateway, plan.rounds);
    const pool: Workload = { kind: 'repeat', prefix: 'pool', poolSize: plan.poolSize };
    await bench.seed(pool, plan.poolSize);
    progress(`seeded ${plan.poolSize} repeat contacts through the gateway`);
    await bench.warmUp(plan.warmupSeconds);

    const points: IntakePoint[] = [];
    for (const kind of ['new', 'repeat'] as const) {
      for (const connections of plan.concurrency) {
        const seconds = plan.secondsAt[connections] ?? plan.seconds;
        const workload: Workload = kind === 'new' ? { kind, prefix: `new-c${connections}` } : pool;
        const point = await bench.measure({ connections, seconds, warmupSeconds: plan.runWarmupSeconds, workload });
        points.push(point);
        progress(
          `${kind} contacts, c=${connections}: floor ${point.floor.perSecond.toFixed(0)}/s, ` +
            `gateway ${point.gateway.perSecond.toFixed(0)}/s`,
        );
      }
    }
    return points;
  } finally {
    await Promise.all([floor.close(), gateway.close()]);
    counter.resumeBackground();
    running = undefined;
    await runtime.stop();
  }
}

class IntakeBench {
  constructor(
    private readonly runtime: Runtime,
    private readonly counter: CallCounter,
    private readonly floorClient: Child<FloorPlan, LoadRun>,
    private readonly gatewayClient: Child<GatewayPlan, LoadRun>,
    private readonly rounds: number,
  ) {}

  /** Creates the repeat pool through the gateway, and proves the counter sees the handlers' calls. */
  async seed(pool: Workload, size: number): Promise<void> {
    this.counter.reset();
    for (let i = 0; i < size; i++) {
      const response = await fetch(`${this.runtime.url}/forms/${FORM_ID}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(formFields(pool, i)),
      });
      if (!response.ok) throw new Error(`seeding the repeat pool failed: HTTP ${response.status}`);
    }
    const { posts, postCalls } = this.counter.counts();
    if (posts !== size || Object.values(postCalls).every((n) => n === 0)) {
      throw new Error(`the call counter saw ${posts} posts and no DynamoDB calls: is it on the handlers' client?`);
    }
  }

  /**
   * JIT-compiles the gateway, the handlers, both load processes and above all DynamoDB Local's JVM, which keeps
   * getting faster for many seconds of load, before anything is measured.
   */
  async warmUp(seconds: number): Promise<void> {
    if (seconds === 0) return;
    const run = (prefix: string): LoadPlan => ({
      connections: 16,
      seconds,
      warmupSeconds: 0,
      workload: { kind: 'new', prefix },
    });
    await this.floor(run('warmup-floor'));
    await this.gateway(run('warmup-gateway'));
    progress(`warmed up for ${2 * seconds} s`);
  }

  /**
   * Alternates floor and gateway runs in mirrored pairs (F G, G F, …) so that a steady drift — DynamoDB Local's JIT
   * still improving, its table growing — lands on both alike. Only gateway runs go through the counted client.
   */
  async measure(plan: LoadPlan): Promise<IntakePoint> {
    const slice = { ...plan, seconds: plan.seconds / this.rounds };
    const floor: LoadRun[] = [];
    const gateway: LoadRun[] = [];
    const gatewayProcess = { cpuMs: 0, active: 0, idle: 0 };
    this.counter.reset();
    for (let round = 1; round <= this.rounds; round++) {
      const runFloor = async () => floor.push(await this.floor(ownEmails(slice, `floor-r${round}`)));
      const runGateway = async () => {
        const cpu = process.cpuUsage();
        const loop = performance.eventLoopUtilization();
        gateway.push(await this.gateway(ownEmails(slice, `gateway-r${round}`)));
        const { active, idle } = performance.eventLoopUtilization(loop);
        gatewayProcess.cpuMs += cpuMsSince(cpu);
        gatewayProcess.active += active;
        gatewayProcess.idle += idle;
      };
      if (round % 2 === 1) await runFloor().then(runGateway);
      else await runGateway().then(runFloor);
    }
    const calls = this.counter.counts();
    return {
      workload: plan.workload.kind,
      connections: plan.connections,
      floor: summarize(floor),
      gateway: summarize(gateway),
      calls,
      // Over the whole gateway runs, warm-up included, as are the posts the counter saw.
      gatewayProcess: {
        cpuMsPerPost: gatewayProcess.cpuMs / calls.posts,
        eventLoopBusy: gatewayProcess.active / (gatewayProcess.active + gatewayProcess.idle),
      },
    };
  }

  private floor(plan: LoadPlan) {
    const { dynamoDbEndpoint: endpoint, tableName } = this.runtime;
    return this.floorClient.run({ ...plan, endpoint, tableName });
  }

  private gateway(plan: LoadPlan) {
    return this.gatewayClient.run({ ...plan, url: this.runtime.url });
  }
}

/** New-contact runs must not reuse each other's emails, or a later run would update an earlier run's contacts. */
function ownEmails(plan: LoadPlan, run: string): LoadPlan {
  if (plan.workload.kind !== 'new') return plan;
  return { ...plan, workload: { ...plan.workload, prefix: `${plan.workload.prefix}-${run}` } };
}
