import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localCredentials, localRegion } from '../../local/dynamodb-local';
import { localBroadcastArn, type Runtime } from '../../local/runtime';
import { startTestRuntime } from '../support/runtime';
import type { StoredEmail } from '../email/support';
import { eligible, expectedSkips, member, mixedAudience, seedMembers } from './support';
import { LOCAL_API_KEY } from '../../local/settings';

/**
 * Broadcasts through the real local parts: the gateway and the broadcasts API, the local Step Functions endpoint
 * running the broadcast ASL, the step handler, DynamoDB Local and aws-ses-v2-local. Journey time runs an hour a
 * second here, so a wait for a later time zone lasts long enough to be cancelled.
 */
let runtime: Runtime;
let db: DynamoDBDocumentClient;
const admin = { authorization: `Bearer ${LOCAL_API_KEY}`, 'content-type': 'application/json' };
/** 10:00 in New York (the default zone): inside the send window. */
const NOW = '2026-03-10T14:00:00Z';

beforeAll(async () => {
  runtime = await startTestRuntime({ tableName: 'broadcasts-local', timeScale: 3_600 });
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint, region: localRegion, credentials: localCredentials }));
  const clock = await fetch(`${runtime.url}/dev/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ at: NOW }) });
  expect(clock.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});
beforeEach(async () => {
  await fetch(`${runtime.sesUrl}/clear-store`, { method: 'POST' });
});

let seq = 0;
// Shipped segments (the API refuses an unknown one), one per test, so no test sees another's seeded members; the
// runtime's contacts are only those seeded here, with no events, so the reactor puts nobody else in them.
const SEGMENTS = ['webinar-attendees', 'loyal-customers', 'lapsed-customers', 'hot-leads', 'cart-abandoners', 'recycled-re-engaged'];
const ids = () => ({ id: `news-${++seq}`, segment: SEGMENTS[seq - 1]! });

async function post(path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${runtime.url}${path}`, { method: 'POST', headers: admin, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function broadcast(id: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`${runtime.url}/broadcasts/${id}`, { headers: admin })).json()) as Record<string, unknown>;
}

async function inbox(): Promise<string[]> {
  const { emails } = (await (await fetch(`${runtime.sesUrl}/store`)).json()) as { emails: StoredEmail[] };
  return emails.flatMap((email) => email.destination.to).sort();
}

/** Resolves once the broadcast's execution has entered its Wait state (between two passes). */
async function waiting(executionName: string): Promise<void> {
  for (;;) {
    const execution = runtime.stepFunctions.executions().find((e) => e.name === executionName);
    if (execution?.history.some((entry) => entry.type === 'WaitStateEntered')) return;
    if (execution && execution.status !== 'RUNNING') throw new Error(`${executionName} ended (${execution.status}) without waiting`);
    await sleep(20);
  }
}

describe('a broadcast in the local runtime', () => {
  it('is refused with 422 naming the segment when content/segments has no such segment', async () => {
    const refused = await post('/broadcasts', { id: 'news-unknown', name: 'March newsletter', template: 'monthly-newsletter', segment: 'no-such-segment', when: { now: true } });

    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain('"field":"segment"');
    expect(runtime.stepFunctions.executions().some((e) => e.name === 'news-unknown')).toBe(false);
  });

  it('sends exactly one email per eligible member, and counts the skips by reason', async () => {
    // Prepare
    const { id, segment } = ids();
    const members = mixedAudience(50);
    await seedMembers(db, runtime.tableName, segment, members);

    // Act
    const started = await post('/broadcasts', { id, name: 'March newsletter', template: 'monthly-newsletter', segment, when: { now: true }, rate: 200 });
    await runtime.stepFunctions.idle();

    // Assess
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(await inbox()).toEqual(eligible(members));
    expect(await broadcast(id)).toMatchObject({ status: 'sent', queued: 0, sent: eligible(members).length, failed: 0, skipped: expectedSkips(members) });
    expect(runtime.stepFunctions.executions().find((e) => e.name === id)?.status).toBe('SUCCEEDED');
  });

  it('sends nobody twice when the broadcast is posted again or its state machine is started again', async () => {
    // Prepare
    const { id, segment } = ids();
    const members = mixedAudience(20);
    await seedMembers(db, runtime.tableName, segment, members);
    const definition = { id, name: 'March newsletter', template: 'monthly-newsletter', segment, when: { now: true }, rate: 200 };
    await post('/broadcasts', definition);
    await runtime.stepFunctions.idle();

    // Act: the same POST, then a second execution of the state machine (a restart, under another name).
    const again = await post('/broadcasts', definition);
    const sfn = new SFNClient({ endpoint: runtime.stepFunctions.endpoint, region: localRegion, credentials: localCredentials });
    await sfn.send(new StartExecutionCommand({ stateMachineArn: localBroadcastArn, name: `${id}-restart`, input: JSON.stringify({ broadcastId: id }) }));
    await runtime.stepFunctions.idle();
    sfn.destroy();

    // Assess
    expect(again.status).toBe(200);
    expect(await inbox()).toEqual(eligible(members));
    expect(await broadcast(id)).toMatchObject({ status: 'sent', sent: eligible(members).length, skipped: expectedSkips(members) });
  });

  it('sends each time zone at its local hour, and a cancel while it waits for the next zone stops it', async () => {
    // Prepare: at 14:00 UTC, London's and New York's 10:00 have come; Los Angeles' (17:00 UTC) has not.
    const { id, segment } = ids();
    const early = [member({ zone: 'Europe/London' }), member({ zone: 'America/New_York' }), member()];
    const late = [member({ zone: 'America/Los_Angeles' }), member({ zone: 'America/Los_Angeles' })];
    await seedMembers(db, runtime.tableName, segment, [...early, ...late]);

    // Act
    const started = await post('/broadcasts', { id, name: 'March newsletter', template: 'monthly-newsletter', segment, when: { local_hour: { date: '2026-03-10', hour: 10 } }, rate: 200 });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    await waiting(id);
    const firstPass = await inbox();
    const cancelled = await post(`/broadcasts/${id}/cancel`);
    await runtime.stepFunctions.idle();

    // Assess
    expect(firstPass).toEqual(early.map((m) => m.email).sort());
    expect(cancelled.status).toBe(200);
    expect(await inbox()).toEqual(firstPass);
    expect(await broadcast(id)).toMatchObject({ status: 'cancelled', sent: 3, queued: 0 });
    expect(runtime.stepFunctions.executions().find((e) => e.name === id)?.status).toBe('ABORTED');
  });

  it('lists broadcasts and the broadcast files', async () => {
    const response = await fetch(`${runtime.url}/broadcasts`, { headers: admin });
    const body = (await response.json()) as { broadcasts: { id: string }[]; files: string[] };
    expect(response.status).toBe(200);
    expect(body.broadcasts.map((b) => b.id)).toEqual(expect.arrayContaining(['news-1', 'news-2']));
    expect(body.files).toContain('newsletter-2026-06');
  });
});
