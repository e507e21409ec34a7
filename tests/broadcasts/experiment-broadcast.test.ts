import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { decisionsFrom, inTestGroup, memberPlan } from '../../functions/broadcasts/broadcast-experiment';
import { broadcastSendId, makeBroadcastStep, type BroadcastStepDeps, type BroadcastStepOutput } from '../../functions/broadcasts/broadcast-step';
import { makeBroadcastsApiHandler, type BroadcastsApiDeps } from '../../functions/broadcasts/broadcasts-api';
import { dueOf, nextLocalHour, zonedHour, type BroadcastDefinition } from '../../functions/broadcasts/domain/broadcast';
import { checkDefinition } from '../../functions/broadcasts/domain/check';
import { DynamoAudience, DynamoBroadcastStore } from '../../functions/broadcasts/dynamo-broadcasts';
import { DynamoEmailStore, emailKeys } from '../../functions/email/dynamo-email-store';
import { emails, renderer } from '../../functions/email/templates';
import { assign } from '../../functions/experiments/domain/assignment';
import { experimentMetric, measureAttribute } from '../../functions/experiments/domain/counting';
import { ExperimentFile, type Experiment } from '../../functions/experiments/domain/experiment-file';
import { DynamoExperimentCounters } from '../../functions/experiments/dynamo-experiment-counters';
import { metricPartition } from '../../functions/shared/keys';
import { contentCatalog } from '../../lib/broadcasts/broadcast-files';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import type { TestTable } from '../support/table';
import { fixedClock, sendDeps, useTableAndSes, type LocalSes } from '../email/support';
import { member, seedMembers, type Member } from './support';

let table: TestTable;
let ses: LocalSes;
useTableAndSes((t, s) => {
  table = t;
  ses = s;
});

/** 10:00 in New York, the default zone: inside the send window. */
const NOW = new Date('2026-03-10T14:00:00Z');
const HOUR = 3_600;
let seq = 0;
const uniqueId = (prefix: string) => `${prefix}-${++seq}-${Date.now().toString(36)}`;

/** Arm `b` replaces the subject; `a`, the control, keeps the template's. */
const B_SUBJECT = "B for {{ contact.first_name | default: 'you' }}";

const experimentOf = (overrides: Record<string, unknown> = {}): Experiment =>
  ExperimentFile.parse({
    id: uniqueId('xp'),
    name: 'Newsletter subject',
    hypothesis: 'A personal subject gets more clicks than the usual one.',
    arms: [{ id: 'a' }, { id: 'b', subject: B_SUBJECT }],
    holdout: 0.2,
    decision: { baselineRate: 0.05, minimumDetectableLift: 0.5 },
    ...overrides,
  });

const definition = (experiment: Experiment, overrides: Partial<BroadcastDefinition> = {}): BroadcastDefinition => ({
  id: uniqueId('news'),
  name: 'Monthly newsletter',
  template: 'monthly-newsletter',
  segment: uniqueId('readers'),
  when: { now: true },
  rate: 1_000,
  experiment: experiment.id,
  ...overrides,
});

function apiDeps(experiments: readonly Experiment[]): BroadcastsApiDeps {
  return {
    store: new DynamoBroadcastStore(table.documentClient, table.tableName),
    audience: new DynamoAudience(table.documentClient, table.tableName),
    executions: { start: async () => {}, stop: async () => {} },
    emails: new DynamoEmailStore(table.documentClient, table.tableName),
    renderer,
    settings: emails.settings,
    segmentExists: () => true,
    experiments: new Map(experiments.map((e) => [e.id, e])),
    files: new Map(),
    defaultRate: 14,
    clock: fixedClock(NOW),
    logger: memoryLogger(),
  };
}

async function call(experiments: readonly Experiment[], routeKey: string, options: { body?: unknown; id?: string } = {}) {
  return makeBroadcastsApiHandler(apiDeps(experiments))(
    httpEvent({
      routeKey,
      headers: { authorization: 'Bearer test-admin-token-0123', 'content-type': 'application/json' },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.id ? { pathParameters: { broadcastId: options.id } } : {}),
    }),
    lambdaContext(),
  );
}

function stepOf(experiments: readonly Experiment[]) {
  const deps: BroadcastStepDeps = {
    store: new DynamoBroadcastStore(table.documentClient, table.tableName),
    audience: new DynamoAudience(table.documentClient, table.tableName),
    send: sendDeps(table, ses, { clock: fixedClock(NOW) }),
    experiments: new Map(experiments.map((e) => [e.id, e])),
    decisions: decisionsFrom(new DynamoExperimentCounters(table.documentClient, table.tableName)),
    pageSize: 10,
  };
  return makeBroadcastStep(deps);
}

/** Runs the step as the state machine would, each Wait ending at its `until`, until it ends; the outputs in order. */
async function runToEnd(experiments: readonly Experiment[], broadcastId: string, start = NOW): Promise<BroadcastStepOutput[]> {
  const step = stepOf(experiments);
  const outputs: BroadcastStepOutput[] = [];
  let now = start;
  for (let i = 0; i < 100; i++) {
    const out = await step({ action: 'page', broadcastId, now: now.toISOString() });
    outputs.push(out);
    if (out.next === 'end') return outputs;
    if (out.next === 'wait') now = new Date(out.until);
  }
  throw new Error('the broadcast did not end in 100 steps');
}

/** Runs the step up to its first Wait (the end of the test send); the Wait's `until`. */
async function runToWait(experiments: readonly Experiment[], broadcastId: string): Promise<Date> {
  const step = stepOf(experiments);
  for (let i = 0; i < 100; i++) {
    const out = await step({ action: 'page', broadcastId, now: NOW.toISOString() });
    if (out.next === 'wait') return new Date(out.until);
    if (out.next === 'end') throw new Error('the broadcast ended without waiting');
  }
  throw new Error('the broadcast did not wait in 100 steps');
}

async function start(experiment: Experiment, def: BroadcastDefinition, members: readonly Member[]) {
  await seedMembers(table.documentClient, table.tableName, def.segment, members);
  const response = await call([experiment], 'POST /broadcasts', { body: def });
  expect(response.statusCode, response.body).toBe(202);
}

/** Subjects received, by address; an address sent twice fails the test here. */
async function inbox(): Promise<Map<string, string>> {
  const received = new Map<string, string>();
  for (const email of await ses.emails()) {
    for (const to of email.destination.to) {
      expect(received.has(to), `${to} got two emails`).toBe(false);
      received.set(to, email.subject);
    }
  }
  return received;
}

const armOf = (experiment: Experiment, m: Member) => assign(experiment, m.contactId).arm;
const CONTROL_SUBJECT = "What's new this month: our monthly roundup";
const subjectOf = (arm: string) => (arm === 'b' ? 'B for Ada' : CONTROL_SUBJECT);

/** Counters as the reactor writes them, so that `b` wins on human clicks (1,000 sends each: 3% against 15%). */
async function seedWinner(experiment: Experiment, winner: 'a' | 'b') {
  const loser = winner === 'a' ? 'b' : 'a';
  await table.documentClient.send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        PK: metricPartition(experimentMetric(experiment.id), 0),
        SK: '2026-03-09',
        [measureAttribute(winner, 'sends')]: 1_000,
        [measureAttribute(winner, 'humanClicks')]: 150,
        [measureAttribute(loser, 'sends')]: 1_000,
        [measureAttribute(loser, 'humanClicks')]: 30,
      },
    }),
  );
}

async function broadcast(experiment: Experiment, id: string) {
  return bodyOf(await call([experiment], 'GET /broadcasts/{broadcastId}', { id }));
}

describe('a broadcast with an experiment', () => {
  it('sends each member its arm, and the holdout nothing (counted as skipped: holdout)', async () => {
    // Prepare
    const experiment = experimentOf();
    const def = definition(experiment);
    const members = Array.from({ length: 40 }, () => member());
    await start(experiment, def, members);

    // Act
    await runToEnd([experiment], def.id);

    // Assess
    const held = members.filter((m) => armOf(experiment, m) === 'holdout');
    expect(held.length).toBeGreaterThan(0);
    expect(new Set(members.map((m) => armOf(experiment, m)))).toEqual(new Set(['a', 'b', 'holdout']));
    const received = await inbox();
    expect(new Map([...received].sort())).toEqual(
      new Map(members.filter((m) => !held.includes(m)).map((m) => [m.email, subjectOf(armOf(experiment, m))] as const).sort()),
    );
    expect(await broadcast(experiment, def.id)).toMatchObject({ status: 'sent', experiment: experiment.id, sent: members.length - held.length, skipped: { holdout: held.length } });
    const [record] = await table.partition(emailKeys.send(broadcastSendId(def.id, members.find((m) => armOf(experiment, m) === 'b')!.contactId)).PK);
    expect(record).toMatchObject({ experiment: { id: experiment.id, arm: 'b' } });
  });

  it('sends an arm with a send time at its offset or its local hour, after a wait', async () => {
    // Prepare: `b` two hours after the broadcast, `c` at 15:00 in each contact's zone (New York: 19:00 UTC).
    const experiment = experimentOf({ holdout: 0, arms: [{ id: 'a' }, { id: 'b', sendTime: { offset: '2h' } }, { id: 'c', sendTime: { localHour: 15 } }] });
    const def = definition(experiment);
    const members = Array.from({ length: 24 }, () => member());
    await start(experiment, def, members);

    // Act
    const outputs = await runToEnd([experiment], def.id);

    // Assess
    expect(outputs.filter((o) => o.next === 'wait').map((o) => (o as { until: string }).until)).toEqual(['2026-03-10T16:00:00Z', '2026-03-10T19:00:00Z']);
    expect((await inbox()).size).toBe(members.length);
    const dueAt = { a: NOW.getTime(), b: NOW.getTime() + 2 * HOUR * 1_000, c: Date.parse('2026-03-10T19:00:00Z') };
    for (const m of members) {
      const [record] = await table.partition(emailKeys.send(broadcastSendId(def.id, m.contactId)).PK);
      expect(Date.parse(String(record!.createdAt)), armOf(experiment, m)).toBe(dueAt[armOf(experiment, m) as keyof typeof dueAt]);
    }
  });

  it('tests on its audience share first, waits `after`, then sends the rest the winner and says why', async () => {
    // Prepare
    const experiment = experimentOf({ holdout: 0.1, rollout: { audienceShare: 0.3, after: '48h' } });
    const def = definition(experiment);
    const members = Array.from({ length: 60 }, () => member());
    await start(experiment, def, members);
    await seedWinner(experiment, 'b');
    const tested = members.filter((m) => inTestGroup(def.id, m.contactId, 0.3));
    const held = members.filter((m) => armOf(experiment, m) === 'holdout');

    // Act: the test, up to the Wait; then the rest of the run.
    const until = await runToWait([experiment], def.id);
    const afterTest = await inbox();
    const beforeRollout = await broadcast(experiment, def.id);
    await runToEnd([experiment], def.id, until);

    // Assess: the test group got its arms; the rest (the holdout left out) got `b`, 48 hours later.
    expect(until.toISOString()).toBe('2026-03-12T14:00:00.000Z');
    expect(tested.length).toBeGreaterThan(5);
    expect([...afterTest.keys()].sort()).toEqual(tested.filter((m) => !held.includes(m)).map((m) => m.email).sort());
    expect(beforeRollout).not.toHaveProperty('rollout');
    const received = await inbox();
    for (const m of members) {
      const expected = held.includes(m) ? undefined : tested.includes(m) ? subjectOf(armOf(experiment, m)) : subjectOf('b');
      expect(received.get(m.email), armOf(experiment, m)).toBe(expected);
    }
    const after = await broadcast(experiment, def.id);
    expect(after).toMatchObject({ status: 'sent', sent: members.length - held.length, skipped: { holdout: held.length } });
    expect(after.rollout).toMatchObject({ decision: 'winner', arm: 'b', why: expect.stringContaining('b') });
  });

  it('sends the rest the control when the test found no winner, saying why', async () => {
    const experiment = experimentOf({ holdout: 0, rollout: { audienceShare: 0.5, after: '1d' } });
    const def = definition(experiment);
    const members = Array.from({ length: 20 }, () => member());
    await start(experiment, def, members);

    await runToEnd([experiment], def.id);

    const received = await inbox();
    for (const m of members.filter((m) => !inTestGroup(def.id, m.contactId, 0.5))) expect(received.get(m.email)).toBe(CONTROL_SUBJECT);
    expect((await broadcast(experiment, def.id)).rollout).toMatchObject({ decision: 'no_winner_yet', arm: 'a', why: expect.stringContaining('the rest gets the control, a') });
  });

  it('sends the rest the arm a marketer picked by hand, and refuses a pick once the rollout is decided', async () => {
    // Prepare: the counters say `a` wins; the marketer picks `b` during the wait.
    const experiment = experimentOf({ holdout: 0, rollout: { audienceShare: 0.3, after: '48h' } });
    const def = definition(experiment);
    const members = Array.from({ length: 30 }, () => member());
    await start(experiment, def, members);
    await seedWinner(experiment, 'a');
    const until = await runToWait([experiment], def.id);

    // Act
    const unknownArm = await call([experiment], 'POST /broadcasts/{broadcastId}/winner', { id: def.id, body: { arm: 'z' } });
    const picked = await call([experiment], 'POST /broadcasts/{broadcastId}/winner', { id: def.id, body: { arm: 'b' } });
    await runToEnd([experiment], def.id, until);
    const late = await call([experiment], 'POST /broadcasts/{broadcastId}/winner', { id: def.id, body: { arm: 'a' } });

    // Assess
    expect(unknownArm.statusCode).toBe(422);
    expect(bodyOf(unknownArm).errors).toEqual([{ field: 'arm', message: expect.stringContaining('"z" is not an arm') }]);
    expect(picked.statusCode).toBe(200);
    expect(bodyOf(picked)).toMatchObject({ picked: { arm: 'b' } });
    const received = await inbox();
    for (const m of members.filter((m) => !inTestGroup(def.id, m.contactId, 0.3))) expect(received.get(m.email)).toBe(subjectOf('b'));
    expect((await broadcast(experiment, def.id)).rollout).toMatchObject({ decision: 'manual', arm: 'b' });
    expect(late.statusCode).toBe(409);
  });

  it('uses the winner the experiment file names', async () => {
    const experiment = experimentOf({ holdout: 0, winner: 'b', rollout: { audienceShare: 0.3, after: '1d' } });
    const def = definition(experiment);
    const members = Array.from({ length: 20 }, () => member());
    await start(experiment, def, members);

    await runToEnd([experiment], def.id);

    const received = await inbox();
    for (const m of members.filter((m) => !inTestGroup(def.id, m.contactId, 0.3))) expect(received.get(m.email)).toBe(subjectOf('b'));
    expect((await broadcast(experiment, def.id)).rollout).toMatchObject({ decision: 'manual', arm: 'b' });
  });

  it('sends nobody a second email when the broadcast runs again after its rollout', async () => {
    const experiment = experimentOf({ rollout: { audienceShare: 0.4, after: '1d' } });
    const def = definition(experiment);
    const members = Array.from({ length: 20 }, () => member());
    await start(experiment, def, members);
    await runToEnd([experiment], def.id);
    const first = await inbox();

    const again = await runToEnd([experiment], def.id, new Date('2026-03-12T14:00:00Z'));

    expect(again).toEqual([{ next: 'end', status: 'sent' }]);
    expect(await inbox()).toEqual(first);
  });

  it('dry-runs an experiment: each arm\'s share, the holdout (sent nothing) and an arm with a later send time as later', async () => {
    // Prepare: `b` two hours after the broadcast; 2 of 32 members unsubscribed.
    const experiment = experimentOf({ arms: [{ id: 'a' }, { id: 'b', sendTime: { offset: '2h' } }] });
    const def = definition(experiment);
    const members = [...Array.from({ length: 30 }, () => member()), member({ blocked: 'unsubscribed' }), member({ blocked: 'unsubscribed' })];
    await seedMembers(table.documentClient, table.tableName, def.segment, members);

    // Act
    const response = await call([experiment], 'POST /broadcasts', { body: { ...def, dryRun: true } });

    // Assess
    const open = members.filter((m) => !m.blocked);
    const count = (arm: string) => open.filter((m) => armOf(experiment, m) === arm).length;
    expect(count('holdout')).toBeGreaterThan(0);
    expect(response.statusCode, response.body).toBe(200);
    expect(bodyOf(response)).toMatchObject({
      dryRun: true,
      audience: 32,
      eligible: count('a'),
      later: count('b'),
      skipped: { unsubscribed: 2 },
      experiment: { id: experiment.id, arms: { a: count('a'), b: count('b') }, holdout: count('holdout'), rest: 0 },
    });
    expect(await ses.emails()).toEqual([]);
  });

  it('refuses an unknown experiment with 422 naming the field, and an arm sent after its rollout is decided', async () => {
    const experiment = experimentOf();
    const unknown = await call([experiment], 'POST /broadcasts', { body: { ...definition(experiment), experiment: 'no-such-experiment' } });
    expect(unknown.statusCode).toBe(422);
    expect(bodyOf(unknown).errors).toEqual([{ field: 'experiment', message: 'no experiment "no-such-experiment" in content/experiments' }]);

    const late = experimentOf({ arms: [{ id: 'a' }, { id: 'b', sendTime: { offset: '3d' } }], rollout: { audienceShare: 0.3, after: '2d' } });
    const problems = checkDefinition(definition(late, { segment: 'newsletter-subscribers' }), { ...contentCatalog(), experiment: () => late });
    expect(problems).toEqual([{ field: 'experiment', message: expect.stringContaining('arm "b"') }]);
    expect(checkDefinition(definition(experiment, { segment: 'newsletter-subscribers', experiment: 'newsletter-march' }), contentCatalog())).toEqual([]);
  });
});

describe('member plans and send times', () => {
  it('puts about the audience share in the test group, the same contacts every time', () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => `contact-${i}`);
    const share = ids.filter((id) => inTestGroup('news-x', id, 0.3)).length / ids.length;
    expect(share).toBeGreaterThan(0.27);
    expect(share).toBeLessThan(0.33);
    expect(ids.filter((id) => inTestGroup('news-x', id, 0.3))).toEqual(ids.filter((id) => inTestGroup('news-x', id, 0.3)));
    const experiment = experimentOf({ rollout: { audienceShare: 0.3, after: '2d' } });
    expect(memberPlan(experiment, 'news-x', ids.find((id) => !inTestGroup('news-x', id, 0.3))!)).toEqual({ group: 'rest', delaySeconds: 2 * 86_400 });
  });

  it('moves a member by its arm offset, to its arm local hour, or by the rollout delay', () => {
    const base = { when: { now: true } as const, startsAt: NOW, createdAt: NOW, zone: 'Europe/London' };
    expect(dueOf({ ...base, sendTime: { offset: 2 * HOUR } }).toISOString()).toBe('2026-03-10T16:00:00.000Z');
    expect(dueOf({ ...base, sendTime: { localHour: 9 } }).toISOString()).toBe('2026-03-11T09:00:00.000Z');
    expect(dueOf({ ...base, delaySeconds: 48 * HOUR }).toISOString()).toBe('2026-03-12T14:00:00.000Z');
    const localHour = { ...base, when: { local_hour: { date: '2026-03-10', hour: 10 } } as const, createdAt: new Date('2026-03-09T00:00:00Z') };
    expect(dueOf({ ...localHour, sendTime: { localHour: 9 } }).toISOString()).toBe(zonedHour('2026-03-10', 9, 'Europe/London').toISOString());
    expect(nextLocalHour(new Date('2026-03-10T08:59:00Z'), 9, 'Europe/London').toISOString()).toBe('2026-03-10T09:00:00.000Z');
  });
});
