import { describe, expect, it } from 'vitest';
import { decisionsFrom } from '../../functions/broadcasts/broadcast-experiment';
import { DynamoExperimentCounters } from '../../functions/experiments/dynamo-experiment-counters';
import { makeBroadcastStep, broadcastSendId, type BroadcastStepDeps, type BroadcastStepOutput } from '../../functions/broadcasts/broadcast-step';
import { makeBroadcastsApiHandler, type BroadcastsApiDeps } from '../../functions/broadcasts/broadcasts-api';
import { BroadcastDefinition, dueOf, pageSizeOf, startOf, zonedHour } from '../../functions/broadcasts/domain/broadcast';
import { checkDefinition } from '../../functions/broadcasts/domain/check';
import { DynamoAudience, DynamoBroadcastStore } from '../../functions/broadcasts/dynamo-broadcasts';
import { type BroadcastExecutions, type BroadcastStore } from '../../functions/broadcasts/ports';
import { DynamoEmailStore, emailKeys } from '../../functions/email/dynamo-email-store';
import { emails, renderer } from '../../functions/email/templates';
import { contentCatalog } from '../../lib/broadcasts/broadcast-files';
import { broadcastStateMachine } from '../../lib/broadcasts/state-machine';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import type { TestTable } from '../support/table';
import { fixedClock, sendDeps, useTableAndSes, type LocalSes } from '../email/support';
import { eligible, expectedSkips, member, mixedAudience, seedMembers } from './support';

let table: TestTable;
let ses: LocalSes;
useTableAndSes((t, s) => {
  table = t;
  ses = s;
});

/** 10:00 in New York, the default zone: inside the send window. */
const NOW = new Date('2026-03-10T14:00:00Z');
let seq = 0;
const uniqueId = (prefix: string) => `${prefix}-${++seq}-${Date.now().toString(36)}`;

const definition = (overrides: Partial<BroadcastDefinition> = {}): BroadcastDefinition => ({
  id: uniqueId('news'),
  name: 'Monthly newsletter',
  template: 'monthly-newsletter',
  segment: uniqueId('readers'),
  when: { now: true },
  rate: 1_000,
  ...overrides,
});

/** Records the executions the API starts and stops; the local runtime test runs them for real. */
function recordingExecutions(): BroadcastExecutions & { started: string[]; stopped: string[] } {
  const started: string[] = [];
  const stopped: string[] = [];
  return { started, stopped, start: async (name) => void started.push(name), stop: async (name) => void stopped.push(name) };
}

function apiDeps(overrides: Partial<BroadcastsApiDeps> = {}): BroadcastsApiDeps {
  return {
    store: new DynamoBroadcastStore(table.documentClient, table.tableName),
    audience: new DynamoAudience(table.documentClient, table.tableName),
    executions: recordingExecutions(),
    emails: new DynamoEmailStore(table.documentClient, table.tableName),
    renderer,
    settings: emails.settings,
    // Members are seeded under a fresh segment id per test; the API's check against content/segments is tested below.
    segmentExists: () => true,
    experiments: new Map(),
    files: new Map(),
    defaultRate: 14,
    clock: fixedClock(NOW),
    logger: memoryLogger(),
    ...overrides,
  };
}

async function call(deps: BroadcastsApiDeps, routeKey: string, options: { body?: unknown; id?: string; query?: Record<string, string> } = {}) {
  const api = makeBroadcastsApiHandler(deps);
  return api(
    httpEvent({
      routeKey,
      headers: { authorization: 'Bearer test-admin-token-0123', 'content-type': 'application/json' },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.id ? { pathParameters: { broadcastId: options.id } } : {}),
      ...(options.query ? { query: options.query } : {}),
    }),
    lambdaContext(),
  );
}

function stepDeps(overrides: Partial<BroadcastStepDeps> = {}): BroadcastStepDeps {
  return {
    store: new DynamoBroadcastStore(table.documentClient, table.tableName),
    audience: new DynamoAudience(table.documentClient, table.tableName),
    send: sendDeps(table, ses, { clock: fixedClock(NOW) }),
    experiments: new Map(),
    decisions: decisionsFrom(new DynamoExperimentCounters(table.documentClient, table.tableName)),
    ...overrides,
  };
}

/** Runs the step as the state machine would, with waits taking no time, until it ends; the outputs in order. */
async function runToEnd(broadcastId: string, deps: BroadcastStepDeps, start = NOW): Promise<BroadcastStepOutput[]> {
  const step = makeBroadcastStep(deps);
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

async function create(def: BroadcastDefinition, deps = apiDeps()) {
  const response = await call(deps, 'POST /broadcasts', { body: def });
  expect(response.statusCode, response.body).toBe(202);
}

const inbox = async () => (await ses.emails()).flatMap((email) => email.destination.to).sort();

describe('broadcast definitions', () => {
  it('accepts now, a moment, or a local hour, and names the field of anything else', () => {
    expect(BroadcastDefinition.safeParse(definition({ when: { at: '2026-05-01T09:00:00Z' } })).success).toBe(true);
    expect(BroadcastDefinition.safeParse(definition({ when: { local_hour: { date: '2026-05-01', hour: 10 } } })).success).toBe(true);
    const bad = BroadcastDefinition.safeParse({ ...definition(), id: 'Not Kebab', when: { local_hour: { date: '2026-05-01', hour: 24 } } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((issue) => issue.path.join('.'))).toEqual(expect.arrayContaining(['id']));
  });

  it('refuses an unknown segment, an unknown template, an unknown topic, a local hour outside the send window and an unknown time zone', () => {
    const problems = checkDefinition(
      definition({ segment: 'no-such-segment', template: 'no-such-template', topic: 'gossip', time_zone: 'Mars/Olympus', when: { local_hour: { date: '2026-05-01', hour: 22 } } }),
      contentCatalog(),
    );
    expect(problems.map((p) => p.field).sort()).toEqual(['segment', 'template', 'time_zone', 'topic']);
    const late = checkDefinition(definition({ segment: 'newsletter-subscribers', when: { local_hour: { date: '2026-05-01', hour: 22 } } }), contentCatalog());
    expect(late.map((p) => p.field)).toEqual(['when.local_hour.hour']);
  });

  it('answers 422 naming the field, and 400 for a body that is not JSON', async () => {
    const unknown = await call(apiDeps(), 'POST /broadcasts', { body: { ...definition(), template: 'no-such-template' } });
    expect(unknown.statusCode).toBe(422);
    expect(bodyOf(unknown).errors).toEqual([{ field: 'template', message: 'no email template "no-such-template"' }]);
    const missing = await call(apiDeps(), 'POST /broadcasts', { body: { id: 'x', name: 'x', template: 'monthly-newsletter', when: { now: true } } });
    expect(missing.statusCode).toBe(422);
    expect(JSON.stringify(bodyOf(missing).errors)).toContain('"field":"segment"');
    const api = makeBroadcastsApiHandler(apiDeps());
    const malformed = await api(httpEvent({ routeKey: 'POST /broadcasts', headers: { authorization: 'Bearer test-admin-token-0123' }, body: '{' }), lambdaContext());
    expect(malformed.statusCode).toBe(400);
  });
});

describe('local hour', () => {
  it('finds the UTC instant of a local hour in each zone, across daylight saving time', () => {
    expect(zonedHour('2026-03-10', 10, 'America/New_York').toISOString()).toBe('2026-03-10T14:00:00.000Z');
    expect(zonedHour('2026-01-10', 10, 'America/New_York').toISOString()).toBe('2026-01-10T15:00:00.000Z');
    expect(zonedHour('2026-03-10', 10, 'Asia/Tokyo').toISOString()).toBe('2026-03-10T01:00:00.000Z');
    expect(zonedHour('2026-03-10', 10, 'Asia/Kolkata').toISOString()).toBe('2026-03-10T04:30:00.000Z');
  });

  it('starts no earlier than the hour in the earliest zone, and makes each member due at its own hour', () => {
    const when = { local_hour: { date: '2026-03-10', hour: 10 } } as const;
    const startsAt = startOf(when, NOW);
    expect(startsAt.toISOString()).toBe('2026-03-09T20:00:00.000Z');
    const due = (zone: string) => dueOf({ when, startsAt, createdAt: startsAt, zone }).toISOString();
    expect(due('Pacific/Kiritimati')).toBe(startsAt.toISOString());
    expect(due('Europe/London')).toBe('2026-03-10T10:00:00.000Z');
  });

  it('sends each zone at its hour, in passes that wait for the earliest zone not yet due', async () => {
    // Prepare: created at 12:00 UTC. London's 10:00 has passed (it gets it now), New York's (14:00 UTC) and Los
    // Angeles' (17:00 UTC) have not; Tokyo's has passed too, and its send window is closed (21:00): it gets it when
    // the window opens, 08:00 Tokyo time (23:00 UTC).
    const zones = ['Asia/Tokyo', 'Europe/London', 'America/New_York', 'America/Los_Angeles'];
    const members = zones.flatMap((zone) => [member({ zone }), member({ zone })]);
    const def = definition({ when: { local_hour: { date: '2026-03-10', hour: 10 } } });
    await seedMembers(table.documentClient, table.tableName, def.segment, members);
    const noon = new Date('2026-03-10T12:00:00Z');
    await create(def, apiDeps({ clock: fixedClock(noon) }));

    // Act
    const outputs = await runToEnd(def.id, stepDeps({ send: sendDeps(table, ses, { clock: fixedClock(noon) }) }), noon);

    // Assess: a wait for each later zone; every member once, and never before its own hour.
    expect(outputs.filter((o) => o.next === 'wait').map((o) => (o as { until: string }).until)).toEqual(['2026-03-10T14:00:00Z', '2026-03-10T17:00:00Z', '2026-03-10T23:00:00Z']);
    expect(await inbox()).toEqual(members.map((m) => m.email).sort());
    for (const m of members) {
      const [record] = await table.partition(emailKeys.send(broadcastSendId(def.id, m.contactId)).PK);
      expect(Date.parse(String(record!.createdAt)), m.zone).toBeGreaterThanOrEqual(zonedHour('2026-03-10', 10, m.zone!).getTime());
    }
    const stored = await new DynamoBroadcastStore(table.documentClient, table.tableName).get(def.id);
    expect(stored).toMatchObject({ status: 'sent', counts: { sent: 8, failed: 0, skipped: {} }, progress: { pass: 4 } });
  });
});

describe('the state machine', () => {
  it('gives every Task a Retry and a Catch, and uses JSONPath only', () => {
    const asl = broadcastStateMachine();
    const tasks = Object.entries(asl.States).filter(([, state]) => state.Type === 'Task');
    expect(tasks.map(([name]) => name)).toEqual(['SendPage', 'RecordFailure']);
    for (const [, state] of tasks) {
      expect(state.Retry).toEqual(expect.arrayContaining([expect.objectContaining({ ErrorEquals: expect.any(Array) })]));
      expect(state.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'] })]);
    }
    const text = JSON.stringify(asl);
    expect(text).not.toContain('JSONata');
    expect(text).not.toContain('"Assign"');
    expect(text).not.toContain('Task.Token');
  });

  it('sizes a page to about ten seconds of sending', () => {
    expect(pageSizeOf(14)).toBe(140);
    expect(pageSizeOf(500)).toBe(500);
    expect(pageSizeOf(0.5)).toBe(10);
  });
});

describe('dry run', () => {
  it('answers the audience, who would be skipped and why, and a rendered sample, writing nothing', async () => {
    // Prepare
    const members = mixedAudience(40);
    const def = definition();
    await seedMembers(table.documentClient, table.tableName, def.segment, members);
    const before = (await table.scan()).length;

    // Act
    const response = await call(apiDeps(), 'POST /broadcasts', { body: def, query: { dryRun: 'true' } });

    // Assess
    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    const inSegment = members.filter((m) => m.member !== false);
    expect(body).toMatchObject({ dryRun: true, audience: inSegment.length, evaluated: inSegment.length, eligible: eligible(members).length, later: 0, skipped: expectedSkips(members) });
    expect(body.sample).toMatchObject({ subject: expect.stringContaining('What'), html: expect.stringContaining('Hi Ada'), text: expect.stringContaining('Hi Ada') });
    expect((await table.scan()).length).toBe(before);
    expect(await inbox()).toEqual([]);
  });
});

describe('sending', () => {
  it('sends exactly one email per eligible member and counts the skips by reason', async () => {
    // Prepare
    const members = mixedAudience(50);
    const def = definition();
    await seedMembers(table.documentClient, table.tableName, def.segment, members);
    await create(def);

    // Act
    await runToEnd(def.id, stepDeps({ pageSize: 10 }));

    // Assess
    expect(await inbox()).toEqual(eligible(members));
    const response = await call(apiDeps(), 'GET /broadcasts/{broadcastId}', { id: def.id });
    expect(bodyOf(response)).toMatchObject({ status: 'sent', queued: 0, sent: eligible(members).length, failed: 0, skipped: expectedSkips(members) });
  });

  it('sends nobody twice when a page is retried after its sends, or the broadcast is started again', async () => {
    // Prepare: the first attempt at page 0 sends and then fails to commit (a Lambda timeout after the sends).
    const members = mixedAudience(30);
    const def = definition();
    await seedMembers(table.documentClient, table.tableName, def.segment, members);
    await create(def);
    const real = new DynamoBroadcastStore(table.documentClient, table.tableName);
    let failures = 1;
    const flaky: BroadcastStore = Object.assign(Object.create(real) as BroadcastStore, {
      commitPage: async (...args: Parameters<BroadcastStore['commitPage']>) => {
        if (failures-- > 0) throw Object.assign(new Error('Task timed out'), { name: 'Lambda.Unknown' });
        return real.commitPage(...args);
      },
    });
    const step = makeBroadcastStep(stepDeps({ store: flaky, pageSize: 10 }));
    await expect(step({ action: 'page', broadcastId: def.id, now: NOW.toISOString() })).rejects.toThrow('Task timed out');
    const afterFailedAttempt = (await inbox()).length;
    expect(afterFailedAttempt).toBeGreaterThan(0);

    // Act: the retried page, the rest, then a second run of the whole broadcast (a restart).
    await runToEnd(def.id, stepDeps({ store: flaky, pageSize: 10 }));
    const restart = await runToEnd(def.id, stepDeps({ pageSize: 10 }));

    // Assess
    expect(restart).toEqual([{ next: 'end', status: 'sent' }]);
    expect(await inbox()).toEqual(eligible(members));
    expect(await real.get(def.id)).toMatchObject({ counts: { sent: eligible(members).length, failed: 0, skipped: expectedSkips(members) } });
  });

  it('stops at the next page when cancelled; emails already sent stay sent', async () => {
    // Prepare
    const members = Array.from({ length: 30 }, () => member());
    const def = definition();
    await seedMembers(table.documentClient, table.tableName, def.segment, members);
    const executions = recordingExecutions();
    await create(def, apiDeps({ executions }));
    const step = makeBroadcastStep(stepDeps({ pageSize: 10 }));
    expect(await step({ action: 'page', broadcastId: def.id, now: NOW.toISOString() })).toEqual({ next: 'page' });

    // Act
    const cancelled = await call(apiDeps({ executions }), 'POST /broadcasts/{broadcastId}/cancel', { id: def.id });
    const next = await step({ action: 'page', broadcastId: def.id, now: NOW.toISOString() });

    // Assess
    expect(cancelled.statusCode).toBe(200);
    expect(bodyOf(cancelled)).toMatchObject({ status: 'cancelled', sent: 10 });
    expect(executions.stopped).toEqual([def.id]);
    expect(next).toEqual({ next: 'end', status: 'cancelled' });
    expect((await inbox()).length).toBe(10);
    expect((await call(apiDeps({ executions }), 'POST /broadcasts/{broadcastId}/cancel', { id: def.id })).statusCode).toBe(200);
  });

  it('starts a broadcast once when it is posted twice, and refuses a different one under the same id', async () => {
    const def = definition();
    const executions = recordingExecutions();
    await create(def, apiDeps({ executions }));
    const again = await call(apiDeps({ executions }), 'POST /broadcasts', { body: def });
    const different = await call(apiDeps({ executions }), 'POST /broadcasts', { body: { ...def, name: 'Another' } });
    expect(again.statusCode).toBe(200);
    expect(executions.started).toEqual([def.id, def.id]);
    expect(different.statusCode).toBe(409);
  });

  it('waits for a scheduled start before it sends', async () => {
    const def = definition({ when: { at: '2026-03-10T15:30:00Z' } });
    await seedMembers(table.documentClient, table.tableName, def.segment, [member()]);
    await create(def);
    const step = makeBroadcastStep(stepDeps());
    expect(await step({ action: 'page', broadcastId: def.id, now: NOW.toISOString() })).toEqual({ next: 'wait', waitSeconds: 5_400, until: '2026-03-10T15:30:00Z' });
    expect(await inbox()).toEqual([]);
  });

  it('records a failure the state machine caught', async () => {
    const def = definition();
    await create(def);
    const out = await makeBroadcastStep(stepDeps())({ action: 'fail', broadcastId: def.id, error: { Error: 'States.TaskFailed', Cause: 'x' } });
    expect(out).toEqual({ next: 'end', status: 'failed' });
    expect(bodyOf(await call(apiDeps(), 'GET /broadcasts/{broadcastId}', { id: def.id }))).toMatchObject({ status: 'failed', error: 'States.TaskFailed' });
  });
});
