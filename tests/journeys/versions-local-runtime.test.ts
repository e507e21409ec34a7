import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadJourneys, type Journey } from '../../functions/journeys/domain/journey-file';
import { keys } from '../../functions/shared/keys';
import { journeyVersion } from '../../lib/journeys/compiler';
import { localCredentials, localRegion } from '../../local/dynamodb-local';
import type { Runtime } from '../../local/runtime';
import { LOCAL_API_KEY } from '../../local/settings';
import { startLocal, stopLocal, type Running } from '../support/local-app';
import { eventually, journeyDriver, trackedLinks, uniqueEmail, type JourneyDriver } from './support';

/**
 * Changing budget-router while people wait inside it, as a marketer does: edit statemachines/budget-router.yaml, stop
 * `npm start`, start it again on the same data. It runs in a copy of the project (its files are edited), as child
 * processes. Journey time passes 600 times faster: the first wait for a click (3 days) lasts 7 real minutes, longer
 * than the file takes.
 */
const root = resolve(import.meta.dirname, '../..');
const app = mkdtempSync(join(tmpdir(), 'nurture-versions-'));
const journeyFile = join(app, 'statemachines/budget-router.yaml');
const ADMIN_TOKEN = 'versions-admin-token';
const tableName = 'nurture-local';
let running: Running | undefined;
let drive: JourneyDriver;
let sfn: SFNClient;

beforeAll(() => {
  for (const file of execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(app, file)), { recursive: true });
    cpSync(join(root, file), join(app, file));
  }
  // The console the run's setup built (the copy's sources hash the same), and the installed packages.
  cpSync(join(root, 'console/dist'), join(app, 'console/dist'), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(app, 'node_modules'));
});
afterAll(async () => {
  if (running) await stopLocal(running);
  sfn?.destroy();
  rmSync(app, { recursive: true, force: true });
});

/** Writes budget-router's file as `journey` (from the shipped file with edits) and starts `npm start` on the same data. */
async function startWith(file: Record<string, unknown>) {
  if (running) await stopLocal(running);
  running = undefined;
  writeFileSync(journeyFile, stringify(file));
  running = await startLocal({ cwd: app, dataDir: join(app, '.local'), adminToken: ADMIN_TOKEN, env: { TIME_SCALE: '600' } });
  drive = journeyDriver({ url: running.url, dynamoDbEndpoint: running.dynamoDbEndpoint, sesUrl: running.sesUrl, apiKey: LOCAL_API_KEY, tableName } as Runtime);
  sfn?.destroy();
  sfn = new SFNClient({ endpoint: running.stepFunctionsEndpoint, region: localRegion, credentials: localCredentials });
}

type JourneyFile = Record<string, unknown> & { steps: Record<string, unknown>[] };
const shippedFile = parse(readFileSync(join(root, 'statemachines/budget-router.yaml'), 'utf8')) as JourneyFile;
const load = (file: JourneyFile): Journey => loadJourneys({ 'budget-router.yaml': file }).get('budget-router')!;
const timeout = (steps: Record<string, unknown>[], stepId: string, value: string) => steps.map((s) => (s.id === stepId ? { ...s, timeout: value } : s));

// keep: the first click wait lasts 4 days for new entries.
const v2: JourneyFile = { ...shippedFile, steps: timeout(shippedFile.steps, 'wait-click-1', '4d') };
// migrate: 5 days, and the third click wait is gone (mapped to the last email).
const v3Unmapped: JourneyFile = { ...shippedFile, on_change: 'migrate', steps: timeout(shippedFile.steps, 'wait-click-1', '5d').filter((s) => s.id !== 'wait-click-3') };
const v3: JourneyFile = { ...v3Unmapped, on_change: { policy: 'migrate', map: { 'wait-click-3': 'nurture-4' } } };
// drain: the second click wait lasts 5 days too.
const v4: JourneyFile = { ...v3, on_change: 'drain', steps: timeout(v3.steps, 'wait-click-2', '5d') };

interface Person {
  readonly email: string;
  contactId: string;
  /** Its first email (the local inbox is emptied by a restart; its links stay valid). */
  firstEmail: string;
  /** When (real time) it was found waiting for the first click: at most this long ago it began to wait. */
  waitingSince: number;
}
const person = (name: string): Person => ({ email: uniqueEmail(name), contactId: '', firstEmail: '', waitingSince: 0 });
const ada = person('ada');
const bo = person('bo');
const cy = person('cy');
const di = person('di');

async function enrol(who: Person) {
  await drive.identify(who.email, { email: who.email, first_name: 'Pat' });
  who.contactId = await drive.postForm('demo-request', { email: who.email, first_name: 'Pat', budget: 1000 });
  const waits = await eventually(() => drive.waits(who.contactId), (w) => w.some((item) => item.stepId === 'wait-click-1'), 60_000);
  expect(waits.map((w) => w.stepId), 'waits at the first click').toContain('wait-click-1');
  who.firstEmail = (await drive.inbox(who.email))[0]!.html;
  who.waitingSince = Date.now();
}
const membership = async (who: Person) =>
  (await drive.db.send(new GetCommand({ TableName: tableName, Key: keys.membership(who.contactId, 'budget-router'), ConsistentRead: true }))).Item as {
    executionName: string;
    status: string;
    version?: string;
    endReason?: string;
  };
const execution = async (executionName: string) =>
  sfn.send(new DescribeExecutionCommand({ executionArn: `arn:aws:states:${localRegion}:000000000000:execution:nurture-local-journey-budget-router:${executionName}` }));
async function click(who: Person) {
  await drive.later(60);
  const link = new URL(trackedLinks(who.firstEmail)[0]!);
  expect((await fetch(`${running!.url}${link.pathname}${link.search}`, { redirect: 'manual' })).status).toBe(302);
}
/** The execution each person is in, read before a restart. */
const runs: Record<string, string> = {};
const events = async (who: Person, type: string) => (await drive.timeline(who.contactId)).filter((e) => e.type === type);

describe('changing budget-router while contacts wait in it (npm start, restarted on its data)', () => {
  it('runs new entries on the version the file describes', { timeout: 180_000 }, async () => {
    await startWith(shippedFile);
    await enrol(ada);
    await enrol(bo);

    expect((await membership(ada)).version).toBe(journeyVersion(load(shippedFile)));
    expect((await execution((await membership(ada)).executionName)).stateMachineVersionArn).toMatch(/:1$/);
  });

  it('keep: those inside finish on the version they entered; new entries take the new one', { timeout: 180_000 }, async () => {
    await startWith(v2);
    await enrol(cy);
    const adaRun = (await membership(ada)).executionName;

    expect(await execution(adaRun)).toMatchObject({ status: 'RUNNING', stateMachineVersionArn: expect.stringMatching(/:1$/) });
    expect((await execution((await membership(cy)).executionName)).stateMachineVersionArn).toMatch(/:2$/);

    await click(ada);
    const done = await eventually(() => execution(adaRun), (e) => e.status === 'SUCCEEDED', 60_000);
    expect(done.stateMachineVersionArn).toMatch(/:1$/);
    expect(await drive.sent(ada.contactId)).toEqual(['nurture-1', 'demo-offer']);
    expect(await events(ada, 'journey.migrated')).toEqual([]);
    runs.bo = (await membership(bo)).executionName;
    runs.cy = (await membership(cy)).executionName;
  });

  it('refuses to start a migrate journey that lost a step without a mapping, and says which and how to fix it', { timeout: 120_000 }, async () => {
    await stopLocal(running!);
    running = undefined;
    writeFileSync(journeyFile, stringify(v3Unmapped));

    const failed = await startLocal({ cwd: app, dataDir: join(app, '.local'), adminToken: ADMIN_TOKEN }).then(
      () => 'started',
      (error: Error) => error.message,
    );

    expect(failed).toMatch(/budget-router: on_change is migrate, but step "wait-click-3" \(in version [0-9a-f]{8}(, [0-9a-f]{8})*\) is gone without a mapping/);
    expect(failed).toContain('on_change.map');
  });

  it('migrate: each waiting contact moves to the same step of the new version, with what was left of its wait', { timeout: 240_000 }, async () => {
    await startWith(v3);

    for (const [who, runBefore, fullDays] of [[bo, runs.bo!, 3], [cy, runs.cy!, 4]] as const) {
      const [moved] = await eventually(() => events(who, 'journey.migrated'), (found) => found.length > 0, 90_000);
      expect(moved?.data).toMatchObject({ fromExecutionName: runBefore, fromStepId: 'wait-click-1', stepId: 'wait-click-1', toVersion: journeyVersion(load(v3)) });
      // What was left of a 3- (4-) day wait: less than it was, not the new 5 days, and no less than the real time since
      // it began (at 600×, plus a minute of slack for when the wait was found) allows.
      const passed = ((Date.now() - who.waitingSince) / 1_000) * 600 + 60 * 600;
      expect(moved!.data.remainingSeconds).toBeLessThan(fullDays * 86_400);
      expect(moved!.data.remainingSeconds).toBeGreaterThan(fullDays * 86_400 - passed);
      const now = await membership(who);
      expect(now).toMatchObject({ status: 'running', version: journeyVersion(load(v3)), executionName: moved!.data.executionName });
      expect(await execution(now.executionName)).toMatchObject({ status: 'RUNNING', stateMachineVersionArn: expect.stringMatching(/:3$/) });
      expect(await eventually(() => execution(runBefore), (e) => e.status === 'ABORTED')).toMatchObject({ status: 'ABORTED', error: 'JourneyMigrated' });
    }

    // A click resumes the new execution: the demo offer goes out once, and no email is sent twice.
    await click(bo);
    const finished = await eventually(async () => execution((await membership(bo)).executionName), (e) => e.status === 'SUCCEEDED', 60_000);
    expect(finished.stateMachineVersionArn).toMatch(/:3$/);
    expect(await drive.sent(bo.contactId)).toEqual(['nurture-1', 'demo-offer']);
    expect(await eventually(async () => (await membership(bo)).status, (s) => s === 'completed')).toBe('completed');
    runs.cy = (await membership(cy)).executionName;
  });

  it('drain: contacts of older versions exit with the reason drained; new entries run on the new version', { timeout: 180_000 }, async () => {
    const cyRun = runs.cy!;

    await startWith(v4);

    const [exited] = await eventually(() => events(cy, 'journey.exited'), (found) => found.length > 0, 90_000);
    expect(exited?.data).toMatchObject({ reason: 'drained', executionName: cyRun });
    expect(await membership(cy)).toMatchObject({ status: 'exited', endReason: 'drained' });
    expect((await eventually(() => execution(cyRun), (e) => e.status === 'ABORTED')).status).toBe('ABORTED');
    await enrol(di);
    expect((await execution((await membership(di)).executionName)).stateMachineVersionArn).toMatch(/:4$/);
  });
});
