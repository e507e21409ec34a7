import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTestGroup } from '../../functions/broadcasts/broadcast-experiment';
import { assign } from '../../functions/experiments/domain/assignment';
import { experiments } from '../../functions/experiments/experiment-content';
import { localCredentials, localRegion } from '../../local/dynamodb-local';
import type { Runtime } from '../../local/runtime';
import { startTestRuntime } from '../support/runtime';
import type { StoredEmail } from '../email/support';
import { member, seedMembers } from './support';
import { LOCAL_API_KEY } from '../../local/settings';

/**
 * The shipped `newsletter-march` experiment on a broadcast through the real local parts: the broadcast ASL in the
 * local Step Functions endpoint, the step handler, DynamoDB Local and aws-ses-v2-local. Two days of journey time
 * pass a second, so the rollout's 48-hour Wait is quick.
 */
let runtime: Runtime;
let db: DynamoDBDocumentClient;
const admin = { authorization: `Bearer ${LOCAL_API_KEY}`, 'content-type': 'application/json' };
/** 10:00 in New York (the default zone): inside the send window. */
const NOW = '2026-03-10T14:00:00Z';

beforeAll(async () => {
  runtime = await startTestRuntime({ tableName: 'broadcast-experiments-local', timeScale: 172_800 });
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint, region: localRegion, credentials: localCredentials }));
  const clock = await fetch(`${runtime.url}/dev/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ at: NOW }) });
  expect(clock.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

async function post(path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${runtime.url}${path}`, { method: 'POST', headers: admin, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('a broadcast with an experiment in the local runtime', () => {
  it('tests on its share, waits for the rollout, then sends the rest the control and nobody twice', async () => {
    // Prepare
    const experiment = experiments.get('newsletter-march')!;
    const id = 'news-experiment';
    const members = Array.from({ length: 40 }, () => member());
    await seedMembers(db, runtime.tableName, 'europe-time-zones', members);

    // Act
    const started = await post('/broadcasts', { id, name: 'March newsletter', template: 'monthly-newsletter', segment: 'europe-time-zones', when: { now: true }, rate: 200, experiment: experiment.id });
    const unknownArm = await post(`/broadcasts/${id}/winner`, { arm: 'no-such-arm' });
    await runtime.stepFunctions.idle();

    // Assess: the rest got the control (fewer than 100 sends an arm: no winner yet); the holdout nothing; one email each.
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(unknownArm.status).toBe(422);
    const { emails } = (await (await fetch(`${runtime.sesUrl}/store`)).json()) as { emails: StoredEmail[] };
    const received = emails.flatMap((email) => email.destination.to);
    const held = members.filter((m) => assign(experiment, m.contactId).type === 'holdout');
    expect(received.sort()).toEqual(members.filter((m) => !held.includes(m)).map((m) => m.email).sort());
    const rest = members.filter((m) => !held.includes(m) && !inTestGroup(id, m.contactId, experiment.rollout!.audienceShare));
    const subjects = new Map(emails.map((email) => [email.destination.to[0], email.subject]));
    // The control, `announcement`, is tips-day-2 with its own subject.
    for (const m of rest) expect(subjects.get(m.email)).toBe('Tip #1: start with one form and one follow-up');
    const view = (await (await fetch(`${runtime.url}/broadcasts/${id}`, { headers: admin })).json()) as Record<string, unknown>;
    expect(view).toMatchObject({ status: 'sent', sent: members.length - held.length, skipped: held.length ? { holdout: held.length } : {}, rollout: { decision: 'no_winner_yet', arm: 'announcement' } });
    const execution = runtime.stepFunctions.executions().find((e) => e.name === id)!;
    expect(execution.status).toBe('SUCCEEDED');
    // It waited for the rollout at least; on a loaded machine a slow page can run past an earlier due time, which
    // then needs no wait of its own (the rollout decision and the subjects above show the order held).
    expect(execution.history.filter((entry) => entry.type === 'WaitStateEntered').length).toBeGreaterThanOrEqual(1);
  });
});
