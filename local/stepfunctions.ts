import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ExecutionAbortedError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { AslDefinition } from '../lib/journeys/compiler';
import '../lib/journeys/promise-with-resolvers';
import { createLogger } from '../functions/shared/logger';

export interface LocalStepFunctionsOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly region: string;
  readonly account: string;
  /** State machines by name, with function placeholders already replaced by local Lambda ARNs. */
  readonly stateMachines: ReadonlyMap<string, AslDefinition>;
  /** Invokes a registered function by key, as Lambda would: how Task states reach the same handlers. */
  readonly invoke: (functionKey: string, input: unknown) => Promise<unknown>;
  /** Called with an EventBridge "Step Functions Execution Status Change" event when an execution ends. */
  readonly onStatusChange?: (event: ExecutionStatusChange) => Promise<void>;
  /** How many times faster than real time waits and task timeouts pass. @default 86400 (a day per second) */
  readonly timeScale?: number;
  /** The clock journeys start from (the local runtime's virtual clock), in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /**
   * Where executions are kept, one file each, so that those running when the endpoint stops resume when it starts
   * again on the same folder (as Step Functions' executions outlive any client). @default undefined (memory only)
   */
  readonly stateDir?: string;
}

export interface ExecutionStatusChange {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'Step Functions Execution Status Change';
  readonly source: 'aws.states';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: {
    readonly executionArn: string;
    readonly stateMachineArn: string;
    readonly name: string;
    readonly status: ExecutionStatus;
    readonly startDate: number;
    readonly stopDate: number;
    readonly input: string;
    readonly output: string | null;
    readonly error: string | null;
    readonly cause: string | null;
  };
}

type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

interface Execution {
  readonly arn: string;
  readonly stateMachineArn: string;
  /** The version of its state machine it started on, and runs on to the end (Step Functions keeps it). */
  readonly version: number;
  /** The alias it was started through, if any. */
  readonly aliasArn?: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  status: ExecutionStatus;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  abort?: () => void;
  /** Every state entered, in order: GetExecutionHistory's StateEntered events, with the execution's clock then. */
  readonly history: { type: string; name: string; timestamp: Date; clock?: number }[];
  /** The last `until` a task returned: what the following TimestampPath Wait waits for. */
  lastUntil?: string;
  /**
   * How far this execution's clock is ahead of real time. While it waits (Wait states, waits for events) its
   * clock runs `timeScale` times faster, so a 3-day wait takes 3 real seconds at the default scale and the steps
   * after it see a time 3 days later.
   */
  aheadMs: number;
  /** Resolves once the run has ended and its status change has been delivered. */
  done: Promise<void>;
  /** Set when `done` resolves: the end is recorded (the status alone changes before the delivery). */
  settled?: boolean;
  /** The last top-level state entered, with its input: where a resumed run starts again. */
  checkpoint?: { readonly state: string; readonly input: unknown };
  /**
   * The Wait state under way: when it started (real time), how long it lasts in real time, and the execution's clock
   * when it started (epoch ms; absent in files written before versions).
   */
  waiting?: { readonly state: string; readonly startedAt: number; readonly realMs: number; readonly clockAtStart?: number };
  /** The wait for a task token under way, when it started (real time), and the execution's clock then. */
  awaitingToken?: { readonly state: string; readonly startedAt: number; readonly clockAtStart?: number };
  /** Set on a resumed run: how much of its interrupted wait had passed when the endpoint stopped, in real ms. */
  resumed?: { readonly state: string; readonly doneMs: number };
}

/** An execution as kept under `stateDir`. */
interface SavedExecution {
  readonly arn: string;
  readonly stateMachineArn: string;
  /** Absent in files written before versions: such an execution runs on the latest version. */
  readonly version?: number;
  readonly aliasArn?: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: number;
  readonly status: ExecutionStatus;
  readonly stopDate?: number;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly aheadMs: number;
  readonly lastUntil?: string;
  readonly history: { type: string; name: string; timestamp: number; clock?: number }[];
  readonly checkpoint?: { state: string; input: unknown };
  readonly waiting?: { state: string; startedAt: number; realMs: number; clockAtStart?: number };
  readonly awaitingToken?: { state: string; startedAt: number; clockAtStart?: number };
  /** When the endpoint stopped while the execution ran (real time). */
  readonly pausedAt?: number;
}

interface PendingToken {
  readonly executionArn: string;
  resolve(output: unknown): void;
  reject(error: Error): void;
}

export interface LocalStepFunctions {
  readonly endpoint: string;
  readonly port: number;
  /**
   * Resolves when no execution is running and every ended one's status change has been delivered (tests and the
   * simulator wait on it).
   */
  idle(): Promise<void>;
  executions(): readonly Readonly<Execution>[];
  stop(): Promise<void>;
}

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

const TASK_TOKEN_PLACEHOLDER = 'local:task-token:pending';
const ENTERED_TIME_PLACEHOLDER = 'local:state-entered-time';
const WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const LAMBDA_ARN = /^arn:aws:lambda:[^:]+:\d+:function:([A-Za-z0-9_-]+)$/;

/**
 * A small Step Functions-compatible endpoint: the real `@aws-sdk/client-sfn` talks to it (AWS JSON 1.0 protocol)
 * and it runs the compiled ASL with aws-local-stepfunctions. The engine cannot do `.waitForTaskToken`, so this
 * endpoint issues task tokens itself, hands them to the step handler and resumes the state on SendTaskSuccess /
 * SendTaskFailure. Waits and task timeouts pass `timeScale` times faster than real time.
 */
export async function startLocalStepFunctions(options: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
  const scale = options.timeScale ?? 86_400;
  const now = options.now ?? Date.now;
  const executions = new Map<string, Execution>();
  /** Set by stop(): executions aborted because the runtime stops are not journey exits, so nothing is reported. */
  let stopping = false;
  const tokens = new Map<string, PendingToken>();
  const arnOf = (name: string) => `arn:aws:states:${options.region}:${options.account}:stateMachine:${name}`;
  if (options.stateDir) mkdirSync(join(options.stateDir, 'versions'), { recursive: true });
  const machines = new Map([...options.stateMachines].map(([name, definition]) => [arnOf(name), { name, definition, versions: publish(name, definition, options.stateDir) }]));
  /** The definition of one version of a machine (the latest when that version is unknown). */
  const versionOf = (machine: { versions: readonly MachineVersion[] }, version: number | undefined): MachineVersion =>
    machine.versions.find((v) => v.version === version) ?? machine.versions.at(-1)!;

  /** Writes the execution's file (whole, then renamed: a crash never leaves half of one). */
  const save = (execution: Execution, pausedAt?: number) => {
    // Once stopping, only the pause is written: what the aborts do after it must not overwrite it.
    if (!options.stateDir || (stopping && pausedAt === undefined)) return;
    const saved: SavedExecution = {
      arn: execution.arn,
      stateMachineArn: execution.stateMachineArn,
      version: execution.version,
      ...(execution.aliasArn ? { aliasArn: execution.aliasArn } : {}),
      name: execution.name,
      input: execution.input,
      startDate: execution.startDate.getTime(),
      status: pausedAt === undefined ? execution.status : 'RUNNING',
      ...(execution.stopDate && pausedAt === undefined ? { stopDate: execution.stopDate.getTime() } : {}),
      ...(execution.output !== undefined ? { output: execution.output } : {}),
      ...(execution.error ? { error: execution.error } : {}),
      ...(execution.cause ? { cause: execution.cause } : {}),
      aheadMs: execution.aheadMs,
      ...(execution.lastUntil ? { lastUntil: execution.lastUntil } : {}),
      history: execution.history.map((entry) => ({ ...entry, timestamp: entry.timestamp.getTime() })),
      ...(execution.checkpoint ? { checkpoint: execution.checkpoint } : {}),
      ...(execution.waiting ? { waiting: execution.waiting } : {}),
      ...(execution.awaitingToken ? { awaitingToken: execution.awaitingToken } : {}),
      ...(pausedAt !== undefined ? { pausedAt } : {}),
    };
    const file = join(options.stateDir, `${execution.arn.split(':').slice(-2).join('--')}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(saved));
    renameSync(`${file}.tmp`, file);
  };

  const start = (input: { stateMachineArn?: string; name?: string; input?: string }) => {
    // As in AWS, a start may name an alias or a version (`…:stateMachine:<name>:live`); the execution belongs to
    // the state machine itself.
    const qualified = (input.stateMachineArn ?? '').split(':');
    const stateMachineArn = qualified.slice(0, 7).join(':');
    const machine = machines.get(stateMachineArn);
    if (!machine) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${input.stateMachineArn}'`);
    const name = input.name ?? randomUUID();
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
    const arn = `arn:aws:states:${options.region}:${options.account}:execution:${machine.name}:${name}`;
    const text = input.input ?? '{}';
    const existing = executions.get(arn);
    if (existing) {
      // As in AWS: the same name and input while running is the same start; anything else is refused.
      if (existing.status === 'RUNNING' && existing.input === text) return existing;
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input');
    }
    // A start through an alias or without a qualifier runs the latest version (each alias here routes to it).
    const qualifier = qualified[7];
    const pinned = qualifier && /^\d+$/.test(qualifier) ? machine.versions.find((v) => v.version === Number(qualifier)) : undefined;
    if (qualifier && /^\d+$/.test(qualifier) && !pinned) throw new ServiceError('StateMachineDoesNotExist', `State Machine Version Does Not Exist: '${input.stateMachineArn}'`);
    const version = pinned ?? machine.versions.at(-1)!;
    const execution: Execution = {
      arn,
      stateMachineArn,
      version: version.version,
      ...(qualifier && !pinned ? { aliasArn: input.stateMachineArn! } : {}),
      name,
      input: text,
      startDate: new Date(now()),
      status: 'RUNNING',
      history: [],
      aheadMs: 0,
      done: Promise.resolve(),
    };
    executions.set(arn, execution);
    save(execution);
    execution.done = run(execution, version.definition, parsed).finally(() => {
      execution.settled = true;
    });
    return execution;
  };

  /** An execution kept under `stateDir`: an ended one is known again, a running one runs on from its last state. */
  const restore = (saved: SavedExecution) => {
    const machine = machines.get(saved.stateMachineArn);
    const execution: Execution = {
      arn: saved.arn,
      stateMachineArn: saved.stateMachineArn,
      version: saved.version ?? machine?.versions.at(-1)?.version ?? 1,
      ...(saved.aliasArn ? { aliasArn: saved.aliasArn } : {}),
      name: saved.name,
      input: saved.input,
      startDate: new Date(saved.startDate),
      status: saved.status,
      ...(saved.stopDate ? { stopDate: new Date(saved.stopDate) } : {}),
      ...(saved.output !== undefined ? { output: saved.output } : {}),
      ...(saved.error ? { error: saved.error } : {}),
      ...(saved.cause ? { cause: saved.cause } : {}),
      history: saved.history.map((entry) => ({ ...entry, timestamp: new Date(entry.timestamp) })),
      aheadMs: saved.aheadMs,
      ...(saved.lastUntil ? { lastUntil: saved.lastUntil } : {}),
      ...(saved.checkpoint ? { checkpoint: saved.checkpoint } : {}),
      ...(saved.waiting ? { waiting: saved.waiting } : {}),
      ...(saved.awaitingToken ? { awaitingToken: saved.awaitingToken } : {}),
      done: Promise.resolve(),
      settled: true,
    };
    executions.set(execution.arn, execution);
    if (execution.status !== 'RUNNING') return;
    if (!machine) {
      // Its journey file is gone: nothing can run it on, as AWS would once the state machine is deleted.
      execution.status = 'ABORTED';
      execution.stopDate = new Date();
      save(execution);
      return;
    }
    // The wait under way when the endpoint stopped goes on for what was left of it; the time stopped does not count.
    const interrupted = saved.pausedAt === undefined ? undefined : [saved.awaitingToken, saved.waiting].find((wait) => wait && wait.state === saved.checkpoint?.state);
    if (interrupted && saved.pausedAt !== undefined) {
      execution.resumed = { state: interrupted.state, doneMs: Math.max(0, saved.pausedAt! - interrupted.startedAt) };
    }
    execution.settled = false;
    const from = saved.checkpoint;
    // It runs on the version it started on, however the journey file changed since.
    const { definition: started } = versionOf(machine, saved.version);
    const definition = from ? { ...started, StartAt: from.state } : started;
    execution.done = run(execution, definition, from ? from.input : JSON.parse(saved.input), JSON.parse(saved.input)).finally(() => {
      execution.settled = true;
    });
  };

  const run = async (execution: Execution, definition: AslDefinition, input: unknown, executionInput: unknown = input) => {
    const local = scaled(definition, scale);
    const machine = new StateMachine(local as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    const retries: Record<string, number> = {};
    for (const [stateName, state] of Object.entries(definition.States)) {
      if (state.Type !== 'Task') continue;
      handlers[stateName] = (taskInput) => runTask(execution, stateName, state, taskInput);
      retries[stateName] = 50;
    }
    const waits = new Proxy({} as Record<string, number>, {
      get: (_target, stateName) => {
        const state = typeof stateName === 'string' ? definition.States[stateName] : undefined;
        if (!state || state.Type !== 'Wait') return undefined;
        const resumed = execution.resumed?.state === stateName ? execution.resumed : undefined;
        if (resumed && execution.waiting?.state === stateName) {
          // Its clock moved on when it started; only the rest of its real time is left to wait.
          execution.resumed = undefined;
          const realMs = Math.max(0, execution.waiting.realMs - resumed.doneMs);
          execution.waiting = { ...execution.waiting, state: stateName as string, startedAt: Date.now() - resumed.doneMs };
          save(execution);
          return realMs;
        }
        const until = Date.parse(execution.lastUntil ?? '');
        const full =
          typeof state.Seconds === 'number'
            ? state.Seconds * 1_000
            : Number.isNaN(until)
              ? 0
              : Math.max(0, until - (now() + execution.aheadMs) + 1_000);
        // The engine waits `full / scale` real milliseconds; the execution's clock moves on by `full`.
        const clockAtStart = now() + execution.aheadMs;
        execution.aheadMs += full - full / scale;
        execution.waiting = { state: stateName as string, startedAt: Date.now(), realMs: full / scale, clockAtStart };
        save(execution);
        return full / scale;
      },
    });
    const { result, abort, eventLogs } = machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides: waits, retryIntervalOverrides: retries },
      context: {
        Execution: { Id: execution.arn, Name: execution.name, StartTime: execution.startDate.toISOString(), Input: executionInput as never },
        StateMachine: { Id: execution.stateMachineArn },
        Task: { Token: TASK_TOKEN_PLACEHOLDER },
        State: { EnteredTime: ENTERED_TIME_PLACEHOLDER },
      },
    });
    execution.abort = abort;
    void (async () => {
      for await (const event of eventLogs) {
        if (event.type !== 'StateEntered') continue;
        execution.history.push({ type: `${event.state.type}StateEntered`, name: event.state.name, timestamp: new Date(event.timestamp), clock: now() + execution.aheadMs });
        // Top-level states only (Map iterations carry an index): a resumed run starts again at the last one entered.
        if (event.index === undefined && !stopping && execution.status === 'RUNNING') {
          execution.checkpoint = { state: event.state.name, input: event.state.input };
          save(execution);
        }
      }
    })().catch(() => undefined);
    try {
      const output = await result;
      execution.status = 'SUCCEEDED';
      execution.output = JSON.stringify(output);
    } catch (error) {
      if (error instanceof ExecutionAbortedError || execution.status === 'ABORTED') {
        execution.status = 'ABORTED';
      } else {
        execution.status = 'FAILED';
        const cause = (error as { cause?: { name?: string; message?: string } }).cause;
        execution.error = cause?.name ?? (error as Error).name;
        execution.cause = cause?.message ?? (error as Error).message;
      }
    }
    execution.stopDate ??= new Date();
    for (const [token, pending] of tokens) if (pending.executionArn === execution.arn) tokens.delete(token);
    // Stopped with the endpoint: its file keeps it running, to resume on the next start.
    if (stopping) return;
    save(execution);
    await options.onStatusChange?.(statusChange(execution)).catch((error: unknown) => {
      createLogger('local-stepfunctions').error('status change delivery failed', { error });
    });
  };

  const runTask = async (execution: Execution, stateName: string, state: Record<string, unknown>, input: unknown): Promise<unknown> => {
    const resource = String(state.Resource);
    let output: unknown;
    if (resource === WAIT_FOR_TASK_TOKEN) {
      const { FunctionName, Payload } = input as { FunctionName: string; Payload: Record<string, unknown> };
      const token = `local:${randomUUID()}`;
      const resumed = new Promise<unknown>((resolve, reject) => tokens.set(token, { executionArn: execution.arn, resolve, reject }));
      // A stop can fail the token while the task that stores it is still running, before anything awaits `resumed`;
      // the await below still sees the rejection, this only keeps it from counting as unhandled meanwhile.
      resumed.catch(() => undefined);
      const payload = JSON.parse(
        JSON.stringify(Payload).replaceAll(TASK_TOKEN_PLACEHOLDER, token).replaceAll(ENTERED_TIME_PLACEHOLDER, clockOf(execution, now)),
      ) as unknown;
      // Resumed after a restart: the part of the wait that had passed before the endpoint stopped counts.
      const doneMs = execution.resumed?.state === stateName ? execution.resumed.doneMs : 0;
      execution.resumed = undefined;
      const waitStarted = Date.now() - doneMs;
      const clockAtStart = doneMs > 0 && execution.awaitingToken?.clockAtStart !== undefined ? execution.awaitingToken.clockAtStart : now() + execution.aheadMs;
      execution.awaitingToken = { state: stateName, startedAt: waitStarted, clockAtStart };
      save(execution);
      // The task's TimeoutSeconds, timed here rather than by the engine: a wait that times out has lasted exactly
      // its timeout in journey time, so the steps after it see the time the simulator gives them.
      // A TimeoutSecondsPath (a migrated contact's remaining wait) is read from the payload's `timeoutSeconds`, which
      // the compiler fills from the same path: the engine hands this endpoint the task's parameters, not its input.
      const timeoutSeconds = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : state.TimeoutSecondsPath ? Number(Payload.timeoutSeconds) : undefined;
      const timeoutMs = timeoutSeconds !== undefined && Number.isFinite(timeoutSeconds) ? timeoutSeconds * 1_000 : undefined;
      let timedOut = false;
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              const pending = tokens.get(token);
              if (!pending) return;
              timedOut = true;
              tokens.delete(token);
              pending.reject(Object.assign(new Error('no one resumed the task within its TimeoutSeconds'), { name: 'States.Timeout' }));
            }, Math.max(0, timeoutMs / scale - doneMs));
      try {
        await options.invoke(functionKeyOf(FunctionName), payload);
      } catch (error) {
        clearTimeout(timer);
        tokens.delete(token);
        throw error;
      }
      try {
        output = await resumed;
      } finally {
        clearTimeout(timer);
        tokens.delete(token);
        execution.awaitingToken = undefined;
        // While it waited, the execution's clock ran `scale` times faster; a timeout ends it at exactly the timeout.
        const waited = Date.now() - waitStarted;
        execution.aheadMs += timedOut && timeoutMs !== undefined ? timeoutMs - waited : waited * (scale - 1);
      }
    } else {
      const withClock = JSON.parse(JSON.stringify(input).replaceAll(ENTERED_TIME_PLACEHOLDER, clockOf(execution, now))) as unknown;
      output = await options.invoke(functionKeyOf(resource), withClock);
    }
    const until = (output as { until?: unknown } | null)?.until;
    if (typeof until === 'string') execution.lastUntil = until;
    return output;
  };

  /**
   * Stops an execution: the engine's abort interrupts its Wait states, and failing its pending task tokens ends a
   * wait for an event (the engine cannot interrupt a task by itself), so the run settles and reports ABORTED.
   */
  const abortExecution = (execution: Execution) => {
    execution.status = 'ABORTED';
    execution.stopDate ??= new Date();
    execution.abort?.();
    for (const [token, pending] of tokens) {
      if (pending.executionArn !== execution.arn) continue;
      tokens.delete(token);
      pending.reject(Object.assign(new Error('execution stopped'), { name: 'States.Aborted' }));
    }
  };

  const settle = (body: { taskToken?: string }, outcome: (pending: PendingToken) => void) => {
    const token = body.taskToken ?? '';
    if (!token.startsWith('local:')) throw new ServiceError('InvalidToken', 'Invalid Token');
    const pending = tokens.get(token);
    // An unknown token of ours was resumed, failed or timed out already: AWS answers TaskTimedOut.
    if (!pending) throw new ServiceError('TaskTimedOut', 'Task Timed Out');
    tokens.delete(token);
    outcome(pending);
    return {};
  };

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    StartExecution: (body) => {
      const execution = start(body as never);
      return { executionArn: execution.arn, startDate: execution.startDate.getTime() / 1_000 };
    },
    DescribeExecution: (body) => describe(find(String(body.executionArn))),
    StopExecution: (body) => {
      const execution = find(String(body.executionArn));
      if (execution.status === 'RUNNING') {
        if (body.error) execution.error = String(body.error);
        if (body.cause) execution.cause = String(body.cause);
        abortExecution(execution);
      }
      return { stopDate: (execution.stopDate ?? new Date()).getTime() / 1_000 };
    },
    SendTaskSuccess: (body) => {
      let output: unknown;
      try {
        output = JSON.parse(String(body.output ?? 'null'));
      } catch {
        throw new ServiceError('InvalidOutput', 'Invalid Output');
      }
      return settle(body, (pending) => pending.resolve(output));
    },
    SendTaskFailure: (body) =>
      settle(body, (pending) =>
        pending.reject(Object.assign(new Error(String(body.cause ?? '')), { name: String(body.error ?? 'TaskFailed') })),
      ),
    SendTaskHeartbeat: (body) => settle({ taskToken: String(body.taskToken) }, (pending) => tokens.set(String(body.taskToken), pending)),
    ListExecutions: (body) => ({
      executions: [...executions.values()]
        .filter((e) => e.stateMachineArn === body.stateMachineArn && (!body.statusFilter || e.status === body.statusFilter))
        .map((e) => ({
          executionArn: e.arn,
          stateMachineArn: e.stateMachineArn,
          stateMachineVersionArn: `${e.stateMachineArn}:${e.version}`,
          ...(e.aliasArn ? { stateMachineAliasArn: e.aliasArn } : {}),
          name: e.name,
          status: e.status,
          startDate: e.startDate.getTime() / 1_000,
        })),
    }),
    GetExecutionHistory: (body) => {
      const execution = find(String(body.executionArn));
      const events = history(execution);
      const ordered = body.reverseOrder === true ? events.reverse() : events;
      return { events: typeof body.maxResults === 'number' && body.maxResults > 0 ? ordered.slice(0, body.maxResults) : ordered };
    },
    // Every alias routes new executions to the latest version, as each deploy points `live` at the one it published.
    DescribeStateMachineAlias: (body) => {
      const arn = String(body.stateMachineAliasArn ?? '');
      const machine = machines.get(arn.split(':').slice(0, 7).join(':'));
      const name = arn.split(':')[7];
      if (!machine || !name || /^\d+$/.test(name)) throw new ServiceError('ResourceNotFound', `Alias Does Not Exist: '${arn}'`);
      const latest = machine.versions.at(-1)!;
      return { stateMachineAliasArn: arn, name, routingConfiguration: [{ stateMachineVersionArn: `${arnOf(machine.name)}:${latest.version}`, weight: 100 }], creationDate: Date.parse(latest.publishedAt) / 1_000 };
    },
    DescribeStateMachine: (body) => {
      const arn = String(body.stateMachineArn ?? '');
      const machine = machines.get(arn.split(':').slice(0, 7).join(':'));
      const qualifier = arn.split(':')[7];
      const version = machine && (qualifier === undefined ? machine.versions.at(-1) : machine.versions.find((v) => String(v.version) === qualifier));
      if (!machine || !version) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
      return { stateMachineArn: arn, name: machine.name, status: 'ACTIVE', definition: JSON.stringify(version.definition), roleArn: `arn:aws:iam::${options.account}:role/local`, type: 'STANDARD', creationDate: Date.parse(version.publishedAt) / 1_000 };
    },
    DescribeStateMachineForExecution: (body) => {
      const execution = find(String(body.executionArn));
      const machine = machines.get(execution.stateMachineArn);
      if (!machine) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${execution.stateMachineArn}'`);
      const version = versionOf(machine, execution.version);
      return { stateMachineArn: execution.stateMachineArn, name: machine.name, definition: JSON.stringify(version.definition), roleArn: `arn:aws:iam::${options.account}:role/local`, updateDate: Date.parse(version.publishedAt) / 1_000 };
    },
  };

  /**
   * An execution's StateEntered events, on the runtime's clock. Each execution runs on its own clock, ahead of the
   * runtime's by the waits it went through `timeScale` times faster; its events are shifted back by that lead, so a
   * client reading "entered at, waits N seconds" against the runtime's clock (the journey migrator) gets the wait
   * left in journey time. The state entered last carries its input, with the time its Wait waits for shifted alike.
   */
  const history = (execution: Execution) => {
    const last = execution.history.at(-1);
    const current = last && [execution.waiting, execution.awaitingToken].find((wait) => wait?.state === last.name && wait.clockAtStart !== undefined);
    const doneMs = current && execution.resumed?.state === current.state ? execution.resumed.doneMs : current ? Date.now() - current.startedAt : 0;
    const realMs = current && 'realMs' in current ? (current as { realMs: number }).realMs : Number.POSITIVE_INFINITY;
    const executionNow = current ? current.clockAtStart! + Math.min(doneMs, realMs) * scale : now() + execution.aheadMs;
    const shift = now() - executionNow;
    const definition = machines.get(execution.stateMachineArn) ? versionOf(machines.get(execution.stateMachineArn)!, execution.version).definition : undefined;
    return execution.history.map((entry, i) => {
      const isLast = i === execution.history.length - 1;
      const clock = isLast && current ? current.clockAtStart! : (entry.clock ?? entry.timestamp.getTime());
      const input = isLast && execution.checkpoint?.state === entry.name ? shiftedInput(execution.checkpoint.input, definition?.States[entry.name], shift) : undefined;
      return {
        id: i + 1,
        timestamp: (clock + shift) / 1_000,
        type: entry.type,
        stateEnteredEventDetails: { name: entry.name, ...(input !== undefined ? { input: JSON.stringify(input) } : {}) },
      };
    });
  };

  const find = (arn: string) => {
    const execution = executions.get(arn);
    if (!execution) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  };

  const server = createServer((req, res) => {
    handle(req, res, operations).catch((error: unknown) => reply(res, 500, { __type: 'InternalFailure', message: String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  if (options.stateDir) {
    for (const file of readdirSync(options.stateDir).filter((name) => name.endsWith('.json'))) {
      restore(JSON.parse(readFileSync(join(options.stateDir, file), 'utf8')) as SavedExecution);
    }
  }

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    executions: () => [...executions.values()],
    async idle() {
      for (;;) {
        // Not the status: it changes (and StopExecution sets ABORTED) before the run ends and its change is delivered.
        const unsettled = [...executions.values()].filter((e) => !e.settled);
        if (unsettled.length === 0) return;
        await Promise.race(unsettled.map((e) => e.done));
      }
    },
    async stop() {
      stopping = true;
      const pausedAt = Date.now();
      for (const execution of executions.values()) if (execution.status === 'RUNNING') save(execution, pausedAt);
      for (const execution of executions.values()) if (execution.status === 'RUNNING') abortExecution(execution);
      // A task in flight finishes on its own; never wait on one for long.
      // (15 s: on a loaded machine a local Lambda may take seconds; the runtime closes SES and DynamoDB after this.)
      await Promise.race([Promise.allSettled([...executions.values()].map((e) => e.done)), new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
      await closeServer(server);
    },
  };
}

/** A state's input with the moment its Wait waits for (`TimestampPath`) moved by `shift` ms (see GetExecutionHistory). */
function shiftedInput(input: unknown, state: Record<string, unknown> | undefined, shift: number): unknown {
  const path = typeof state?.TimestampPath === 'string' ? state.TimestampPath.replace(/^\$\.?/, '').split('.').filter(Boolean) : [];
  if (!path.length || input === null || typeof input !== 'object') return input;
  const copy = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
  let at: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    if (at[key] === null || typeof at[key] !== 'object') return input;
    at = at[key] as Record<string, unknown>;
  }
  const key = path.at(-1)!;
  const moment = typeof at[key] === 'string' ? Date.parse(at[key] as string) : Number.NaN;
  if (!Number.isNaN(moment)) at[key] = new Date(moment + shift).toISOString();
  return copy;
}

/** The execution's clock: real time plus how far its waits have moved it ahead. */
function clockOf(execution: Execution, now: () => number): string {
  return new Date(now() + execution.aheadMs).toISOString();
}

function functionKeyOf(arn: string): string {
  const match = LAMBDA_ARN.exec(arn);
  if (!match) throw Object.assign(new Error(`not a local Lambda ARN: ${arn}`), { name: 'Lambda.ResourceNotFoundException' });
  return match[1]!;
}

/**
 * Task timeouts (`TimeoutSeconds`) pass `scale` times faster; a wait for a task token's is timed by `runTask`
 * instead, which moves the execution's clock by it. Everything else runs as written.
 */
function scaled(definition: AslDefinition, scale: number): AslDefinition {
  const states = Object.fromEntries(
    Object.entries(definition.States).map(([name, state]) => {
      if (state.Resource === WAIT_FOR_TASK_TOKEN) {
        const { TimeoutSeconds: _timedByRunTask, TimeoutSecondsPath: _alsoTimedByRunTask, ...untimed } = state;
        return [name, untimed];
      }
      if (typeof state.TimeoutSeconds !== 'number') return [name, state];
      return [name, { ...state, TimeoutSeconds: state.TimeoutSeconds / scale }];
    }),
  );
  const { TimeoutSeconds: _timeout, ...rest } = definition;
  return { ...rest, States: states };
}

function describe(execution: Execution) {
  return {
    executionArn: execution.arn,
    stateMachineArn: execution.stateMachineArn,
    stateMachineVersionArn: `${execution.stateMachineArn}:${execution.version}`,
    ...(execution.aliasArn ? { stateMachineAliasArn: execution.aliasArn } : {}),
    name: execution.name,
    status: execution.status,
    startDate: execution.startDate.getTime() / 1_000,
    ...(execution.stopDate ? { stopDate: execution.stopDate.getTime() / 1_000 } : {}),
    input: execution.input,
    ...(execution.output !== undefined ? { output: execution.output } : {}),
    ...(execution.error ? { error: execution.error } : {}),
    ...(execution.cause ? { cause: execution.cause } : {}),
  };
}

function statusChange(execution: Execution): ExecutionStatusChange {
  const [, , , region, account] = execution.arn.split(':');
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: account!,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: region!,
    resources: [execution.arn],
    detail: {
      executionArn: execution.arn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate.getTime(),
      stopDate: (execution.stopDate ?? new Date()).getTime(),
      input: execution.input,
      output: execution.output ?? null,
      error: execution.error ?? null,
      cause: execution.cause ?? null,
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, operations: Record<string, (body: Record<string, unknown>) => unknown>) {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = operations[target.replace(/^AWSStepFunctions\./, '')];
  if (req.method !== 'POST' || !operation) {
    return reply(res, 400, { __type: 'UnknownOperationException', message: `Unknown operation ${target}` });
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return reply(res, 400, { __type: 'SerializationException', message: 'Malformed JSON' });
  }
  try {
    reply(res, 200, operation(body));
  } catch (error) {
    if (error instanceof ServiceError) return reply(res, 400, { __type: error.type, message: error.message });
    throw error;
  }
}

function reply(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify(body));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** One published version of a state machine: what executions started on it run, to their end. */
interface MachineVersion {
  readonly version: number;
  /** SHA-256 of the definition: a start-up with the same definition publishes nothing. */
  readonly hash: string;
  readonly publishedAt: string;
  readonly definition: AslDefinition;
}

/**
 * The machine's versions, with `definition` published as a new one if it differs from the latest, as every
 * `cdk deploy` of a changed journey publishes one. Kept under `stateDir/versions/` so that executions restored after a
 * restart run on the version they started on.
 */
function publish(name: string, definition: AslDefinition, stateDir: string | undefined): MachineVersion[] {
  const file = stateDir ? join(stateDir, 'versions', `${name}.json`) : undefined;
  const versions = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as MachineVersion[]) : [];
  const hash = createHash('sha256').update(JSON.stringify(definition)).digest('hex');
  if (versions.at(-1)?.hash === hash) return versions;
  versions.push({ version: (versions.at(-1)?.version ?? 0) + 1, hash, publishedAt: new Date().toISOString(), definition });
  if (file) {
    writeFileSync(`${file}.tmp`, JSON.stringify(versions));
    renameSync(`${file}.tmp`, file);
  }
  return versions;
}
