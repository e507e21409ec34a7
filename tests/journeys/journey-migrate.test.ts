import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadJourneys, type Journey } from '../../functions/journeys/domain/journey-file';
import { DynamoJourneyStore } from '../../functions/journeys/dynamo-journey-store';
import { makeJourneyMigrate } from '../../functions/journeys/journey-migrate';
import { keys } from '../../functions/shared/keys';
import { createLogger } from '../../functions/shared/logger';
import { compileJourney, journeyVersion, substitute } from '../../lib/journeys/compiler';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../local/stepfunctions';
import { createTestTable, type TestTable } from '../support/table';

/**
 * The migrator against the local Step Functions endpoint and DynamoDB Local, on the paths the end-to-end run through
 * npm start (versions-local-runtime.test.ts) does not take: a contact at a step the new version neither has nor maps,
 * one between two waits, and a second run that finds nothing left to do. The journey's tasks are in-test functions:
 * a branch that sends each contact its own way, waits that nobody resumes, and a profile update that hangs.
 */
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const PREFIX = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:mig-journey-`;
const lambda = (fn: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`;
const arns = { sendEmail: lambda('sendEmail'), sendSms: lambda('sendSms'), handOff: lambda('handOff'), journeyStep: lambda('journeyStep') };

const file = (overrides: Record<string, unknown>, steps: Record<string, unknown>[]) =>
  loadJourneys({ 'mig.yaml': { id: 'mig', name: 'Migration paths', triggers: [{ on: 'webhook' }], ...overrides, steps } }).get('mig')!;
const route = { id: 'route', type: 'branch', cases: [{ when: ['x == 1'], next: 'click' }, { when: ['x == 2'], next: 'note' }], otherwise: 'hold' };
const v1 = file({}, [
  route,
  { id: 'hold', type: 'wait', duration: '3d', next: 'done' },
  { id: 'click', type: 'wait_for_event', event: 'email.clicked', timeout: '2d', on_event: 'done', on_timeout: 'done' },
  { id: 'note', type: 'update_contact', set: { noted: true } },
  { id: 'done', type: 'exit' },
]);
// `hold` is gone and not mapped (a lock-less build, or a map removed since): its contact stays on version 1.
const v2 = file({ on_change: 'migrate' }, [
  { ...route, otherwise: 'done' },
  { id: 'click', type: 'wait_for_event', event: 'email.clicked', timeout: '4d', on_event: 'done', on_timeout: 'done' },
  { id: 'note', type: 'update_contact', set: { noted: true } },
  { id: 'done', type: 'exit' },
]);

/** Which way the branch sends each contact, by contact id. */
const ways: Record<string, number> = { holder: -1, clicker: 0, noter: 1 };
let releaseNote: () => void = () => undefined;
const noteHangs = new Promise<void>((resolve) => (releaseNote = resolve));
const invoke = async (_key: string, input: unknown): Promise<unknown> => {
  const { op, contactId } = input as { op?: string; contactId: string; Payload?: { op: string } };
  switch (op ?? (input as { Payload?: { op: string } }).Payload?.op) {
    case 'branch':
      return { index: ways[contactId] ?? -1 };
    case 'updateContact':
      await noteHangs;
      return {};
    default:
      return {};
  }
};

let table: TestTable;
let store: DynamoJourneyStore;
let sfn: LocalStepFunctions;
let client: SFNClient;
const stateDir = mkdtempSync(join(tmpdir(), 'nurture-migrate-'));
const start = async (journey: Journey) => {
  sfn = await startLocalStepFunctions({
    port: 0,
    region: REGION,
    account: ACCOUNT,
    stateMachines: new Map([['mig-journey-mig', substitute(compileJourney(journey), arns)]]),
    invoke,
    timeScale: 600,
    stateDir,
  });
  client?.destroy();
  client = new SFNClient({ endpoint: sfn.endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
};
const migrate = () =>
  makeJourneyMigrate({ sfn: client, stateMachineArnPrefix: PREFIX, journeyIds: ['mig'], store, clock: { now: () => new Date() }, logger: createLogger('journey-migrate-test') })();
const executionArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:execution:mig-journey-mig:${name}`;
const membership = async (contactId: string) =>
  (await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: keys.membership(contactId, 'mig'), ConsistentRead: true }))).Item;

beforeAll(async () => {
  table = await createTestTable();
  store = new DynamoJourneyStore(table.documentClient, table.tableName);
  await start(v1);
  for (const contactId of Object.keys(ways)) {
    const executionName = `mig-${contactId}-1`;
    await table.documentClient.send(
      new PutCommand({ TableName: table.tableName, Item: { ...keys.membership(contactId, 'mig'), journeyId: 'mig', executionName, status: 'running', entries: 1, enteredAt: new Date().toISOString(), version: journeyVersion(v1) } }),
    );
    await client.send(new StartExecutionCommand({ stateMachineArn: `${PREFIX}mig:live`, name: executionName, input: JSON.stringify({ contactId, journeyId: 'mig', executionName, bucket: 1, trigger: { eventId: 'e1', type: 'webhook', occurredAt: new Date().toISOString() } }) }));
  }
  // Each where it should be: waiting in `hold`, waiting in `click`, inside `note`'s task.
  for (const [name, state] of [['mig-holder-1', 'hold'], ['mig-clicker-1', 'click'], ['mig-noter-1', 'note']] as const) {
    for (let i = 0; i < 200 && sfn.executions().find((e) => e.name === name)?.history.at(-1)?.name !== state; i++) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await sfn.stop();
  await start(v2);
}, 60_000);
afterAll(async () => {
  releaseNote();
  await sfn?.stop();
  client?.destroy();
});

describe('the journey migrator', () => {
  it('moves the waiting contact, leaves the one at an unmapped step on its version, and the busy one for the next run', async () => {
    const [result] = await migrate();

    expect(result).toEqual({ journeyId: 'mig', version: journeyVersion(v2), policy: 'migrate', migrated: 1, drained: 0, busy: 1, unmapped: 1 });
    const moved = await membership('clicker');
    expect(moved).toMatchObject({ status: 'running', executionName: `mig-clicker-1_v${journeyVersion(v2)}`, version: journeyVersion(v2) });
    expect((await client.send(new DescribeExecutionCommand({ executionArn: executionArn(String(moved!.executionName)) }))).stateMachineVersionArn).toMatch(/:2$/);
    expect(await membership('holder')).toMatchObject({ executionName: 'mig-holder-1', version: journeyVersion(v1) });
    expect((await client.send(new DescribeExecutionCommand({ executionArn: executionArn('mig-holder-1') }))).status).toBe('RUNNING');
    expect(await membership('noter')).toMatchObject({ executionName: 'mig-noter-1' });
  });

  it('records the move once on the timeline, with what was left of the 2-day wait rather than the new 4 days', async () => {
    const events = await table.documentClient.send(
      new QueryCommand({ TableName: table.tableName, KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)', ExpressionAttributeValues: { ':pk': keys.profile('clicker').PK, ':sk': 'EVENT#' } }),
    );
    const migrated = (events.Items ?? []).filter((item) => item.type === 'journey.migrated');

    expect(migrated).toHaveLength(1);
    expect(migrated[0]!.data).toMatchObject({ fromStepId: 'click', stepId: 'click', fromVersion: journeyVersion(v1), toVersion: journeyVersion(v2) });
    expect(migrated[0]!.data.remainingSeconds).toBeLessThanOrEqual(2 * 86_400);
    expect(migrated[0]!.data.remainingSeconds).toBeGreaterThan(86_400);
  });

  it('finds nothing more to do on a second run, and moves the busy contact once it waits', async () => {
    const [again] = await migrate();
    expect(again).toMatchObject({ migrated: 0, busy: 1, unmapped: 1 });

    releaseNote();
    // `note` done, the contact goes to `done` and ends: nothing waits, so nothing is left to move.
    for (let i = 0; i < 200 && sfn.executions().find((e) => e.name === 'mig-noter-1')?.status === 'RUNNING'; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    const [last] = await migrate();
    expect(last).toMatchObject({ migrated: 0, busy: 0, unmapped: 1 });
  });

  it('takes no further execution once its time is up, and says the run is unfinished (a deploy waits for its answer)', async () => {
    // The clock reads the start once, then a time past the run's end.
    let reads = 0;
    const clock = { now: () => new Date(reads++ === 0 ? Date.parse('2026-12-01T00:00:00Z') : Date.parse('2026-12-01T01:00:00Z')) };
    const run = makeJourneyMigrate({ sfn: client, stateMachineArnPrefix: PREFIX, journeyIds: ['mig'], store, clock, logger: createLogger('journey-migrate-test') });

    const [result] = await run({ until: new Date('2026-12-01T00:10:00Z') });

    expect(result).toMatchObject({ migrated: 0, busy: 0, unmapped: 0, unfinished: true });
    expect(await membership('holder')).toMatchObject({ executionName: 'mig-holder-1' });
  });
});
