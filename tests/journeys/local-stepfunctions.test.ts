import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AslDefinition } from '../../lib/journeys/compiler';
import { startLocalStepFunctions, type ExecutionStatusChange, type LocalStepFunctions } from '../../local/stepfunctions';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const lambda = (fn: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`;
const machineArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;

/** Small hand-written state machines, one per behaviour. */
const machines: Record<string, AslDefinition> = {
  greet: {
    Comment: 'one task',
    StartAt: 'Greet',
    States: { Greet: { Type: 'Task', Resource: lambda('greet'), ResultPath: '$.greeting', End: true } },
  },
  waitForToken: {
    Comment: 'waits for a task token, catches a failure',
    StartAt: 'Park',
    States: {
      Park: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: lambda('park'), Payload: { 'order.$': '$.order', 'taskToken.$': '$$.Task.Token' } },
        ResultPath: '$.resumed',
        Catch: [{ ErrorEquals: ['OrderLost'], ResultPath: '$.error', Next: 'Recovered' }],
        End: true,
      },
      Recovered: { Type: 'Pass', Result: 'recovered', ResultPath: '$.outcome', End: true },
    },
  },
  waitWithTimeout: {
    Comment: 'waits a day for a token, then takes the timeout branch',
    StartAt: 'Park',
    States: {
      Park: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: lambda('park'), Payload: { 'order.$': '$.order', 'taskToken.$': '$$.Task.Token' } },
        TimeoutSeconds: 86_400,
        ResultPath: '$.resumed',
        Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.last', Next: 'TimedOut' }],
        End: true,
      },
      TimedOut: { Type: 'Pass', Result: 'timed out', ResultPath: '$.outcome', End: true },
    },
  },
  slowPark: {
    Comment: 'waits for a task token handed out by a slow task',
    StartAt: 'Park',
    States: {
      Park: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: lambda('slowPark'), Payload: { 'taskToken.$': '$$.Task.Token' } },
        End: true,
      },
    },
  },
  longWait: {
    Comment: 'waits a year',
    StartAt: 'Year',
    States: { Year: { Type: 'Wait', Seconds: 365 * 86_400, End: true } },
  },
  threeDays: {
    Comment: 'waits three days, then reads the execution clock',
    StartAt: 'ThreeDays',
    States: {
      ThreeDays: { Type: 'Wait', Seconds: 3 * 86_400, Next: 'Clock' },
      Clock: { Type: 'Task', Resource: lambda('clock'), Parameters: { 'now.$': '$$.State.EnteredTime' }, ResultPath: '$.clock', End: true },
    },
  },
  timeoutThenClock: {
    Comment: 'waits three days for a token no one sends, then reads the execution clock',
    StartAt: 'Park',
    States: {
      Park: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: lambda('park'), Payload: { 'order.$': '$.order', 'now.$': '$$.State.EnteredTime', 'taskToken.$': '$$.Task.Token' } },
        TimeoutSeconds: 3 * 86_400,
        ResultPath: '$.resumed',
        Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.last', Next: 'Clock' }],
        End: true,
      },
      Clock: { Type: 'Task', Resource: lambda('clock'), Parameters: { 'now.$': '$$.State.EnteredTime' }, ResultPath: '$.clock', End: true },
    },
  },
  flaky: {
    Comment: 'retries a named error',
    StartAt: 'Flaky',
    States: {
      Flaky: {
        Type: 'Task',
        Resource: lambda('flaky'),
        ResultPath: '$.result',
        Retry: [{ ErrorEquals: ['SesThrottled'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 }],
        End: true,
      },
    },
  },
};

let sfn: LocalStepFunctions;
let client: SFNClient;
const statusChanges: ExecutionStatusChange[] = [];
const parked: { order: string; taskToken: string }[] = [];
const parkedWaiters: ((payload: { order: string; taskToken: string }) => void)[] = [];
const clockReadings: string[] = [];
let flakyCalls = 0;

/** The in-test functions Task states invoke, by function key. */
const functions: Record<string, (input: unknown) => Promise<unknown>> = {
  greet: async (input) => `hello ${(input as { name: string }).name}`,
  park: async (input) => {
    const payload = input as { order: string; taskToken: string };
    parked.push(payload);
    parkedWaiters.splice(0).forEach((resolve) => resolve(payload));
    return {};
  },
  slowPark: async () => {
    slowParkStarted.splice(0).forEach((resolve) => resolve());
    await new Promise((resolve) => setTimeout(resolve, 200));
    return {};
  },
  clock: async (input) => {
    clockReadings.push((input as { now: string }).now);
    return 'read';
  },
  flaky: async () => {
    flakyCalls += 1;
    if (flakyCalls < 3) throw Object.assign(new Error('slow down'), { name: 'SesThrottled' });
    return { attempts: flakyCalls };
  },
};

const slowParkStarted: (() => void)[] = [];

/** Resolves with the payload of the next waitForTaskToken invocation. */
function nextParked(): Promise<{ order: string; taskToken: string }> {
  return new Promise((resolve) => parkedWaiters.push(resolve));
}

beforeAll(async () => {
  sfn = await startLocalStepFunctions({
    port: 0,
    region: REGION,
    account: ACCOUNT,
    stateMachines: new Map(Object.entries(machines)),
    invoke: (key, input) => functions[key]!(input),
    // Delivered a little late, as EventBridge → a Lambda is: idle() must wait for it, not only for the status.
    onStatusChange: async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      statusChanges.push(event);
    },
    timeScale: 86_400,
  });
  client = new SFNClient({ endpoint: sfn.endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await sfn?.stop();
});

async function start(machine: string, name: string, input: unknown) {
  return client.send(new StartExecutionCommand({ stateMachineArn: machineArn(machine), name, input: JSON.stringify(input) }));
}

async function describeExecution(executionArn: string) {
  return client.send(new DescribeExecutionCommand({ executionArn }));
}

/** Resolves once this one execution's run has settled and its status change was delivered. */
async function settled(executionArn: string) {
  const execution = sfn.executions().find((e) => e.arn === executionArn);
  expect(execution, executionArn).toBeDefined();
  await execution!.done;
}

describe('the local Step Functions endpoint', () => {
  it('runs an execution to SUCCEEDED and describes its output', async () => {
    // Act
    const { executionArn } = await start('greet', 'greet-ada', { name: 'Ada' });
    await sfn.idle();

    // Assess
    const execution = await describeExecution(executionArn!);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({ name: 'Ada', greeting: 'hello Ada' });
    expect(execution.name).toBe('greet-ada');
  });

  it('refuses a second execution with the same name', async () => {
    // Prepare
    await start('greet', 'greet-once', { name: 'Bob' });
    await sfn.idle();

    // Act
    const again = start('greet', 'greet-once', { name: 'Bob' });

    // Assess
    await expect(again).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('refuses a state machine it does not have', async () => {
    await expect(start('nope', 'x', {})).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });

  it('hands a waitForTaskToken task a token and resumes it on SendTaskSuccess', async () => {
    // Prepare
    const invoked = nextParked();
    const { executionArn } = await start('waitForToken', 'token-success', { order: 'o-1' });
    const payload = await invoked;
    expect(payload.order).toBe('o-1');
    expect(payload.taskToken).toMatch(/^local:/);
    expect((await describeExecution(executionArn!)).status).toBe('RUNNING');

    // Act
    await client.send(new SendTaskSuccessCommand({ taskToken: payload.taskToken, output: JSON.stringify({ happened: true }) }));
    await sfn.idle();

    // Assess
    const execution = await describeExecution(executionArn!);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({ order: 'o-1', resumed: { happened: true } });
  });

  it('fails a waiting task into its Catch on SendTaskFailure', async () => {
    // Prepare
    const invoked = nextParked();
    const { executionArn } = await start('waitForToken', 'token-failure', { order: 'o-2' });
    const { taskToken } = await invoked;

    // Act
    await client.send(new SendTaskFailureCommand({ taskToken, error: 'OrderLost', cause: 'the warehouse lost it' }));
    await sfn.idle();

    // Assess
    const execution = await describeExecution(executionArn!);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toMatchObject({ order: 'o-2', outcome: 'recovered', error: { Error: 'OrderLost' } });
  });

  it('answers TaskTimedOut to a token used a second time', async () => {
    // Prepare
    const invoked = nextParked();
    await start('waitForToken', 'token-twice', { order: 'o-3' });
    const { taskToken } = await invoked;
    await client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));
    await sfn.idle();

    // Act
    const again = client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));

    // Assess
    await expect(again).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('takes the States.Timeout catch when no one resumes the task within its TimeoutSeconds (scaled), and forgets the token', async () => {
    // Prepare
    const invoked = nextParked();
    const { executionArn } = await start('waitWithTimeout', 'token-timeout', { order: 'o-4' });
    const { taskToken } = await invoked;

    // Act
    await sfn.idle();

    // Assess
    const execution = await describeExecution(executionArn!);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toMatchObject({ outcome: 'timed out', last: { Error: 'States.Timeout' } });
    await expect(client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('answers InvalidToken to a token it never issued', async () => {
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: 'AAAA-not-ours', output: '{}' }))).rejects.toBeInstanceOf(InvalidToken);
  });

  it('aborts an execution on StopExecution and reports the change as EventBridge would', async () => {
    // Prepare
    const { executionArn } = await start('longWait', 'stop-me', { contactId: 'c-1' });

    // Act
    await client.send(new StopExecutionCommand({ executionArn, error: 'JourneyExited', cause: 'unsubscribed' }));
    await settled(executionArn!);

    // Assess
    expect((await describeExecution(executionArn!)).status).toBe('ABORTED');
    const change = statusChanges.find((e) => e.detail.name === 'stop-me');
    expect(change).toMatchObject({
      version: '0',
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: ACCOUNT,
      region: REGION,
      resources: [executionArn],
      detail: { executionArn, stateMachineArn: machineArn('longWait'), status: 'ABORTED', input: JSON.stringify({ contactId: 'c-1' }) },
    });
    expect(change!.detail.stopDate).toBeGreaterThanOrEqual(change!.detail.startDate);
  });

  it('reports executions that succeed to the status-change callback too', async () => {
    const { executionArn } = await start('greet', 'greet-reported', { name: 'Cy' });
    await settled(executionArn!);

    expect(statusChanges.find((e) => e.detail.executionArn === executionArn)).toMatchObject({ detail: { status: 'SUCCEEDED' } });
  });

  it('is idle only once every ended execution\'s status change has been delivered', async () => {
    const { executionArn } = await start('greet', 'greet-idle', { name: 'Di' });

    await sfn.idle();

    expect(statusChanges.filter((e) => e.detail.executionArn === executionArn).map((e) => e.detail.status)).toEqual(['SUCCEEDED']);
  });

  it('passes a three-day Wait on a scaled clock, and the next state sees the time three days on', async () => {
    // Prepare
    const before = Date.now();

    // Act
    const { executionArn } = await start('threeDays', 'three-days', {});
    await sfn.idle();

    // Assess
    expect((await describeExecution(executionArn!)).status).toBe('SUCCEEDED');
    expect(Date.parse(clockReadings.at(-1)!) - before).toBeGreaterThanOrEqual(3 * 86_400_000);
  });

  it('moves the execution clock on by the whole timeout when a wait for a token times out, as the simulator does', async () => {
    // Prepare
    const invoked = nextParked();

    // Act
    const { executionArn } = await start('timeoutThenClock', 'timeout-clock', { order: 'o-5' });
    const { now: parkedAt } = (await invoked) as unknown as { now: string };
    await settled(executionArn!);

    // Assess
    const after = Date.parse(clockReadings.at(-1)!) - Date.parse(parkedAt);
    expect(after).toBeGreaterThanOrEqual(3 * 86_400_000);
    // The processing after the timeout adds real milliseconds, never more journey days.
    expect(after).toBeLessThan(3 * 86_400_000 + 5_000);
  });

  it('stops an execution whose task is still storing its token without an unhandled rejection', async () => {
    // Prepare
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const parking = new Promise<void>((resolve) => slowParkStarted.push(resolve));
    const { executionArn } = await start('slowPark', 'stop-while-parking', {});
    await parking;

    // Act
    await client.send(new StopExecutionCommand({ executionArn }));
    // The slow task returns after the stop, and only then does its run settle; a rejection left unhandled on the way
    // is reported at the end of the turn it happened in, so one more turn of the event loop lets the last be seen.
    await settled(executionArn!);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', onUnhandled);

    // Assess
    expect((await describeExecution(executionArn!)).status).toBe('ABORTED');
    expect(unhandled).toEqual([]);
  });

  it('retries a task that throws a named error its Retry lists', async () => {
    // Act
    const { executionArn } = await start('flaky', 'flaky-once', {});
    await sfn.idle();

    // Assess
    const execution = await describeExecution(executionArn!);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({ result: { attempts: 3 } });
    expect(flakyCalls).toBe(3);
  });
});
