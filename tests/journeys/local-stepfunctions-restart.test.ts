import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand, TaskTimedOut } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import type { AslDefinition } from '../../lib/journeys/compiler';
import { startLocalStepFunctions, type ExecutionStatusChange, type LocalStepFunctions } from '../../local/stepfunctions';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const lambda = (fn: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`;
const machineArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;

const machines: Record<string, AslDefinition> = {
  greetThenWait: {
    Comment: 'a task, a two-day wait, a task that reads what the first one wrote',
    StartAt: 'Greet',
    States: {
      Greet: { Type: 'Task', Resource: lambda('greet'), ResultPath: '$.greeting', Next: 'TwoDays' },
      TwoDays: { Type: 'Wait', Seconds: 2 * 86_400, Next: 'After' },
      After: { Type: 'Task', Resource: lambda('after'), ResultPath: '$.after', End: true },
    },
  },
  park: {
    Comment: 'waits a week for a task token',
    StartAt: 'Park',
    States: {
      Park: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: lambda('park'), Payload: { 'taskToken.$': '$$.Task.Token' } },
        TimeoutSeconds: 7 * 86_400,
        ResultPath: '$.resumed',
        End: true,
      },
    },
  },
};

/** Every call of the in-test functions, in order, and a signal for the next `park`. */
const calls: { fn: string; input: unknown }[] = [];
let onPark: ((token: string) => void) | undefined;
const functions: Record<string, (input: unknown) => Promise<unknown>> = {
  greet: async (input) => `hello ${(input as { name: string }).name}`,
  after: async (input) => `after ${(input as { greeting: string }).greeting}`,
  afterV2: async (input) => `v2 after ${(input as { greeting: string }).greeting}`,
  park: async (input) => {
    onPark?.((input as { taskToken: string }).taskToken);
    return {};
  },
};

const running: LocalStepFunctions[] = [];
const ended: ExecutionStatusChange[] = [];
let endedSignal: (() => void) | undefined;
async function start(stateDir: string, definitions: Record<string, AslDefinition> = machines): Promise<{ sfn: LocalStepFunctions; client: SFNClient }> {
  const sfn = await startLocalStepFunctions({
    port: 0,
    region: REGION,
    account: ACCOUNT,
    stateMachines: new Map(Object.entries(definitions)),
    invoke: async (key, input) => {
      calls.push({ fn: key, input });
      return functions[key]!(input);
    },
    onStatusChange: async (event) => {
      ended.push(event);
      endedSignal?.();
    },
    timeScale: 86_400,
    stateDir,
  });
  running.push(sfn);
  return { sfn, client: new SFNClient({ endpoint: sfn.endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }) };
}

/** The last state an execution's file says it entered: written on every state entered, so a poll of it is a signal. */
async function entered(stateDir: string, state: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setImmediate(resolve))) {
    const files = readdirSync(stateDir).filter((name) => name.endsWith('.json'));
    if (files.some((file) => (JSON.parse(readFileSync(join(stateDir, file), 'utf8')) as { checkpoint?: { state: string } }).checkpoint?.state === state)) return;
  }
  throw new Error(`no execution entered ${state}`);
}

afterEach(async () => {
  for (const sfn of running.splice(0)) await sfn.stop();
  calls.length = 0;
  ended.length = 0;
});

describe('local executions across a restart of the endpoint', () => {
  it('runs an execution stopped in a Wait on from that Wait, with the input its state had, and never repeats the steps before it', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'nurture-sfn-'));
    const first = await start(stateDir);
    const { executionArn } = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: machineArn('greetThenWait'), name: 'ada-1', input: JSON.stringify({ name: 'Ada' }) }),
    );
    await entered(stateDir, 'TwoDays');
    await first.sfn.stop();
    expect(ended).toEqual([]);

    const finished = new Promise<void>((resolve) => (endedSignal = resolve));
    const second = await start(stateDir);
    await finished;
    const described = await second.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!)).toEqual({ name: 'Ada', greeting: 'hello Ada', after: 'after hello Ada' });
    expect(calls.map((call) => call.fn)).toEqual(['greet', 'after']);
    expect(ended.map((event) => event.detail.status)).toEqual(['SUCCEEDED']);
  });

  it('asks again for a task token when resuming a wait for one: the old token is refused, the new one resumes it', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'nurture-sfn-'));
    const first = await start(stateDir);
    const firstToken = new Promise<string>((resolve) => (onPark = resolve));
    const { executionArn } = await first.client.send(new StartExecutionCommand({ stateMachineArn: machineArn('park'), name: 'ada-2', input: '{}' }));
    const oldToken = await firstToken;
    await first.sfn.stop();

    const secondToken = new Promise<string>((resolve) => (onPark = resolve));
    const second = await start(stateDir);
    const newToken = await secondToken;
    expect(newToken).not.toBe(oldToken);
    await expect(second.client.send(new SendTaskSuccessCommand({ taskToken: oldToken, output: '{"late":true}' }))).rejects.toBeInstanceOf(TaskTimedOut);
    const finished = new Promise<void>((resolve) => (endedSignal = resolve));
    await second.client.send(new SendTaskSuccessCommand({ taskToken: newToken, output: '{"clicked":true}' }));
    await finished;
    const described = await second.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!)).toEqual({ resumed: { clicked: true } });
  });

  it('remembers ended executions: the same name with other input is refused after a restart, as Step Functions does', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'nurture-sfn-'));
    const first = await start(stateDir);
    const token = new Promise<string>((resolve) => (onPark = resolve));
    await first.client.send(new StartExecutionCommand({ stateMachineArn: machineArn('park'), name: 'ada-3', input: '{}' }));
    const finished = new Promise<void>((resolve) => (endedSignal = resolve));
    await first.client.send(new SendTaskSuccessCommand({ taskToken: await token, output: '{}' }));
    await finished;
    await first.sfn.stop();

    const second = await start(stateDir);
    await expect(
      second.client.send(new StartExecutionCommand({ stateMachineArn: machineArn('park'), name: 'ada-3', input: '{"again":true}' })),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('keeps an execution on the version it started on when the definition changes, while new starts run the new version', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'nurture-sfn-'));
    const first = await start(stateDir);
    const { executionArn: old } = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: `${machineArn('greetThenWait')}:live`, name: 'ada-4', input: JSON.stringify({ name: 'Ada' }) }),
    );
    await entered(stateDir, 'TwoDays');
    await first.sfn.stop();

    // The journey file changed: its last step now calls another function.
    const changed = structuredClone(machines);
    (changed.greetThenWait!.States.After as { Resource: string }).Resource = lambda('afterV2');
    const oldFinished = new Promise<void>((resolve) => (endedSignal = resolve));
    const second = await start(stateDir, changed);
    await oldFinished;
    const newFinished = new Promise<void>((resolve) => (endedSignal = resolve));
    const { executionArn: fresh } = await second.client.send(
      new StartExecutionCommand({ stateMachineArn: `${machineArn('greetThenWait')}:live`, name: 'bo-4', input: JSON.stringify({ name: 'Bo' }) }),
    );
    await newFinished;

    const before = await second.client.send(new DescribeExecutionCommand({ executionArn: old }));
    const after = await second.client.send(new DescribeExecutionCommand({ executionArn: fresh }));
    expect(JSON.parse(before.output!).after).toBe('after hello Ada');
    expect(before.stateMachineVersionArn).toBe(`${machineArn('greetThenWait')}:1`);
    expect(JSON.parse(after.output!).after).toBe('v2 after hello Bo');
    expect(after).toMatchObject({ stateMachineVersionArn: `${machineArn('greetThenWait')}:2`, stateMachineAliasArn: `${machineArn('greetThenWait')}:live` });
    expect(before.stateMachineArn).toBe(machineArn('greetThenWait'));
  });

  it('publishes no new version when the definition is unchanged across a restart', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'nurture-sfn-'));
    await (await start(stateDir)).sfn.stop();
    const second = await start(stateDir);
    const finished = new Promise<void>((resolve) => (endedSignal = resolve));
    const { executionArn } = await second.client.send(new StartExecutionCommand({ stateMachineArn: machineArn('greetThenWait'), name: 'cy-5', input: '{"name":"Cy"}' }));
    await finished;
    expect((await second.client.send(new DescribeExecutionCommand({ executionArn }))).stateMachineVersionArn).toBe(`${machineArn('greetThenWait')}:1`);
  });
});
