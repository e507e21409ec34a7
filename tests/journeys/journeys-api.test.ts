import { createHmac, randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import type { Membership } from '../../functions/journeys/domain/membership';
import { DynamoJourneyStore } from '../../functions/journeys/dynamo-journey-store';
import { journeys } from '../../functions/journeys/journeys';
import { MetricsJourneyStepCounts } from '../../functions/journeys/metrics-step-counts';
import { makeJourneysApiHandler } from '../../functions/journeys/journeys-api';
import type { DecisionOf } from '../../functions/capabilities';
import { staticToken } from '../../functions/shared/admin-auth';
import { EventName } from '../../functions/shared/events';
import type { HttpResult } from '../../functions/shared/http';
import { keys } from '../../functions/shared/keys';
import { GAUGE_DAY, ReportMetric, attr, monthlyMetric } from '../../functions/reports/domain/counters';
import { DynamoMetrics } from '../../functions/reports/dynamo-metrics';
import { bodyOf, httpEvent, lambdaContext, memoryLogger, refusedUnknownKey } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

const ADMIN_TOKEN = 'admin-token-for-journeys-tests';
const SIGNING_SECRET = 'journey-signing-secret-for-tests';

let table: TestTable;
let contacts: DynamoContacts;
let store: DynamoJourneyStore;
const stops: DecisionOf<'StopJourney'>[] = [];

beforeAll(async () => {
  table = await createTestTable();
  contacts = new DynamoContacts(table.documentClient, table.tableName);
  store = new DynamoJourneyStore(table.documentClient, table.tableName);
});

function api(options: { withMetrics?: boolean } = {}) {
  const metrics = new DynamoMetrics(table.documentClient, table.tableName);
  const handler = makeJourneysApiHandler({
    journeys,
    ...(options.withMetrics ? { metrics } : {}),
    contacts,
    store,
    stepCounts: new MetricsJourneyStepCounts(metrics),
    // Step Functions stands outside this test: the stop is recorded, the membership and timeline are real.
    executions: { stop: async (decision) => (stops.push(decision), { type: 'Stopped' as const }) },
    signingSecret: staticToken(SIGNING_SECRET),
    clock: { now: () => new Date() },
    logger: memoryLogger(),
  });
  return (event: ReturnType<typeof httpEvent>) => handler(event, lambdaContext()) as Promise<HttpResult>;
}

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

function enrolRequest(journeyId: string, body: unknown, headers: Record<string, string> = {}) {
  return httpEvent({
    routeKey: 'POST /journeys/{journeyId}/enrollments',
    path: `/journeys/${journeyId}/enrollments`,
    pathParameters: { journeyId },
    headers: { ...auth, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function sign(body: string, secret = SIGNING_SECRET, at = Math.floor(Date.now() / 1_000)): string {
  return `t=${at},v1=${createHmac('sha256', secret).update(`${at}.${body}`).digest('hex')}`;
}

/** A new contact through form intake; returns its id and email. */
async function newContact(): Promise<{ contactId: string; email: string }> {
  const email = `${randomUUID()}@acme.example`;
  const { contactId } = await contacts.recordSubmission(email, { formId: 'newsletter', fields: { email }, utm: {} }, new Date());
  return { contactId, email };
}

async function recordMembership(contactId: string, overrides: Partial<Membership> = {}): Promise<Membership> {
  const membership: Membership = {
    journeyId: 'budget-router',
    executionName: `budget-router-${contactId}-01JTRIGGER`,
    status: 'running',
    entries: 1,
    enteredAt: new Date().toISOString(),
    ...overrides,
  };
  await table.documentClient.send(new PutCommand({ TableName: table.tableName, Item: { ...keys.membership(contactId, membership.journeyId), ...membership } }));
  return membership;
}

async function eventsOf(contactId: string, type: string) {
  return (await table.partition(`CONTACT#${contactId}`)).filter((item) => String(item.SK).startsWith('EVENT#') && item.type === type);
}

describe('journeys API: reading journeys', () => {
  it('answers 401 without a key', async () => {
    const result = await api()(httpEvent({ routeKey: 'GET /journeys', path: '/journeys', headers: {} }));

    expect(result.statusCode).toBe(401);
  });

  it('answers 401 when the authorizer refused the key', async () => {
    const result = await api()(
      httpEvent({ routeKey: 'GET /journeys', path: '/journeys', headers: { authorization: 'Bearer not-the-token' }, authorizer: refusedUnknownKey }),
    );

    expect(result.statusCode).toBe(401);
  });

  it('lists the four shipped journeys', async () => {
    // Act
    const result = await api()(httpEvent({ routeKey: 'GET /journeys', path: '/journeys', headers: auth }));

    // Assess
    expect(result.statusCode).toBe(200);
    const listed = bodyOf(result).journeys as { id: string; triggers: string[] }[];
    expect(listed.map((j) => j.id).sort()).toEqual(['budget-router', 'cart-recovery', 'recycle-nurture', 'sms-cart-nudge', 'trial-expiry', 'webinar-follow-up', 'welcome']);
    expect(listed.find((j) => j.id === 'budget-router')?.triggers).toEqual(['form_submitted', 'webhook']);
  });

  it('describes one journey with its definition and Mermaid diagram', async () => {
    const result = await api()(
      httpEvent({ routeKey: 'GET /journeys/{journeyId}', path: '/journeys/budget-router', pathParameters: { journeyId: 'budget-router' }, headers: auth }),
    );

    expect(result.statusCode).toBe(200);
    const body = bodyOf(result);
    expect(body).toMatchObject({ id: 'budget-router', definition: { topic: 'nurture' } });
    expect(String(body.mermaid)).toMatch(/^flowchart TD\n/);
    expect(String(body.mermaid)).toContain('route_by_budget');
  });

  it('counts the contacts in each journey now, in total and by the step they wait in, from the reports\' step gauge', async () => {
    // Prepare: the gauge as the reports' rule leaves it, its +1 and -1 spread over two shards
    const gauge = (shard: number, counts: Record<string, number>) =>
      table.documentClient.send(new PutCommand({ TableName: table.tableName, Item: { ...keys.metric(ReportMetric.journeySteps, shard, GAUGE_DAY), ...counts } }));
    await gauge(0, { [attr('budget-router', 'start')]: 2, [attr('budget-router', 'nurture-1')]: 3, [attr('welcome', 'welcome-email')]: 1 });
    await gauge(1, { [attr('budget-router', 'start')]: -1, [attr('budget-router', 'nurture-2')]: 4, [attr('welcome', 'welcome-email')]: -1 });

    // Act
    const list = bodyOf(await api()(httpEvent({ routeKey: 'GET /journeys', path: '/journeys', headers: auth }))).journeys as { id: string; active: number }[];
    const one = bodyOf(
      await api()(httpEvent({ routeKey: 'GET /journeys/{journeyId}', path: '/journeys/budget-router', pathParameters: { journeyId: 'budget-router' }, headers: auth })),
    ) as { active: number; activeAtStart: number; steps: { id: string; active: number }[] };

    // Assess
    expect(Object.fromEntries(list.map((j) => [j.id, j.active]))).toMatchObject({ 'budget-router': 8, welcome: 0, 'cart-recovery': 0 });
    expect(one.active).toBe(8);
    expect(one.activeAtStart).toBe(1);
    // The gauge marks contacts at the email they got; they sit in the wait for a click after it.
    expect(one.steps.find((s) => s.id === 'wait-click-1')).toEqual({ id: 'wait-click-1', type: 'wait_for_event', active: 3 });
    expect(one.steps.find((s) => s.id === 'wait-click-2')?.active).toBe(4);
    expect(one.steps.find((s) => s.id === 'nurture-1')?.active).toBe(0);
    expect(one.steps.find((s) => s.id === 'route-by-budget')?.active).toBe(0);
  });

  it('names each journey\'s live version and what a change does to the contacts inside', async () => {
    const result = await api()(httpEvent({ routeKey: 'GET /journeys', path: '/journeys', headers: auth }));

    const listed = bodyOf(result).journeys as { id: string; version: string; onChange: unknown }[];
    const router = listed.find((j) => j.id === 'budget-router')!;
    expect(router.version).toBe(journeys.get('budget-router')!.version);
    expect(router.version).toMatch(/^[0-9a-f]{8}$/);
    expect(router.onChange).toEqual({ policy: journeys.get('budget-router')!.on_change.policy, map: journeys.get('budget-router')!.on_change.map });
  });

  it("lists one journey's versions, the live one first, with entries, ends, moves and contacts running, from the reports' counters", async () => {
    // Prepare: per-version counters of welcome (October's month item, a day of November) and the version gauge
    const live = journeys.get('welcome')!.version!;
    const put = (metric: string, shard: number, sk: string, counts: Record<string, number>) =>
      table.documentClient.send(new PutCommand({ TableName: table.tableName, Item: { ...keys.metric(metric, shard, sk), ...counts } }));
    await put(monthlyMetric(ReportMetric.journeyVersions), 0, '2026-10-01', {
      [attr('welcome', '0ld0ld00', 'entered')]: 6,
      [attr('welcome', '0ld0ld00', 'completed')]: 1,
      [attr('welcome', '0ld0ld00', 'migratedOut')]: 3,
      [attr('welcome', 'unversioned', 'exited', 'drained')]: 2,
      [attr('welcome', 'unversioned', 'exited', 'goal')]: 1,
    });
    await put(ReportMetric.journeyVersions, 1, '2026-11-02', { [attr('welcome', live, 'entered')]: 4, [attr('welcome', live, 'migratedIn')]: 3, [attr('budget-router', live, 'entered')]: 9 });
    await put(ReportMetric.journeyVersionGauge, 0, GAUGE_DAY, { [attr('welcome', live)]: 8, [attr('welcome', '0ld0ld00')]: 2 });
    await put(ReportMetric.journeyVersionGauge, 1, GAUGE_DAY, { [attr('welcome', live)]: -1 });

    // Act
    const body = bodyOf(
      await api({ withMetrics: true })(
        httpEvent({
          routeKey: 'GET /journeys/{journeyId}',
          path: '/journeys/welcome',
          pathParameters: { journeyId: 'welcome' },
          query: { from: '2026-10-01', to: '2026-11-05' },
          headers: auth,
        }),
      ),
    );

    // Assess
    expect(body.version).toBe(live);
    expect(body.versions).toEqual([
      { version: live, live: true, running: 7, entered: 4, completed: 0, failed: 0, exited: 0, exitedBy: {}, migratedIn: 3, migratedOut: 0 },
      { version: '0ld0ld00', live: false, running: 2, entered: 6, completed: 1, failed: 0, exited: 0, exitedBy: {}, migratedIn: 0, migratedOut: 3 },
      { version: 'unversioned', live: false, running: 0, entered: 0, completed: 0, failed: 0, exited: 3, exitedBy: { drained: 2, goal: 1 }, migratedIn: 0, migratedOut: 0 },
    ]);
  });

  it('lists the live version with zeros before anyone entered it', async () => {
    const body = bodyOf(
      await api({ withMetrics: true })(
        httpEvent({ routeKey: 'GET /journeys/{journeyId}', path: '/journeys/trial-expiry', pathParameters: { journeyId: 'trial-expiry' }, query: { from: '2020-01-01', to: '2020-01-31' }, headers: auth }),
      ),
    );

    expect(body.versions).toEqual([
      { version: journeys.get('trial-expiry')!.version, live: true, running: 0, entered: 0, completed: 0, failed: 0, exited: 0, exitedBy: {}, migratedIn: 0, migratedOut: 0 },
    ]);
  });

  it('answers 404 for a journey that does not exist', async () => {
    const result = await api()(httpEvent({ routeKey: 'GET /journeys/{journeyId}', path: '/journeys/nope', pathParameters: { journeyId: 'nope' }, headers: auth }));

    expect(result.statusCode).toBe(404);
  });
});

describe('journeys API: enrolling contacts', () => {
  it('enrols a contact by email by appending journey.enrollment_requested for the reactor', async () => {
    // Prepare
    const { contactId, email } = await newContact();

    // Act
    const result = await api()(enrolRequest('budget-router', { email }));

    // Assess
    expect(result.statusCode).toBe(200);
    const { results } = bodyOf(result) as { results: { result: string; contactId: string; eventId: string }[] };
    expect(results).toEqual([{ result: 'enrolled', contactId, eventId: expect.any(String) }]);
    const requested = await eventsOf(contactId, EventName.JourneyEnrollmentRequested);
    expect(requested).toEqual([expect.objectContaining({ eventId: results[0]!.eventId, data: { journeyId: 'budget-router', source: 'webhook' } })]);
  });

  it('enrols a contact by contact id and sets its attributes first', async () => {
    const { contactId } = await newContact();

    const result = await api()(enrolRequest('budget-router', { contactId, attributes: { plan: 'pro', seats: 12 } }));

    expect(bodyOf(result).results).toEqual([expect.objectContaining({ result: 'enrolled', contactId })]);
    expect((await contacts.get(contactId))?.attributes).toMatchObject({ plan: 'pro', seats: 12 });
  });

  it('answers for each contact of a batch: enrolled, already enrolled, or not eligible and why', async () => {
    // Prepare
    const fresh = await newContact();
    const running = await newContact();
    await recordMembership(running.contactId);
    const body = {
      contacts: [
        { email: fresh.email },
        { contactId: running.contactId },
        { email: 'nobody@acme.example' },
        { contactId: '01JNOSUCHCONTACT' },
      ],
    };

    // Act
    const result = await api()(enrolRequest('budget-router', body));

    // Assess
    expect(bodyOf(result).results).toEqual([
      { result: 'enrolled', contactId: fresh.contactId, eventId: expect.any(String) },
      { result: 'already_enrolled', contactId: running.contactId },
      { result: 'not_eligible', reason: 'no contact with this email' },
      { result: 'not_eligible', contactId: '01JNOSUCHCONTACT', reason: 'no such contact' },
    ]);
    expect(await eventsOf(running.contactId, EventName.JourneyEnrollmentRequested)).toEqual([]);
  });

  it('says why a contact who went through a once-only journey may not enter again', async () => {
    const { contactId } = await newContact();
    await recordMembership(contactId, { journeyId: 'welcome', executionName: `welcome-${contactId}-x`, status: 'completed' });

    const result = await api()(enrolRequest('welcome', { contactId }));

    expect(bodyOf(result).results).toEqual([{ result: 'not_eligible', contactId, reason: 'this journey admits a contact once' }]);
  });

  it('accepts up to 100 contacts and refuses 101 with 422', async () => {
    const many = (n: number) => ({ contacts: Array.from({ length: n }, (_, i) => ({ email: `nobody-${i}@acme.example` })) });

    const hundred = await api()(enrolRequest('budget-router', many(100)));
    const tooMany = await api()(enrolRequest('budget-router', many(101)));

    expect(hundred.statusCode).toBe(200);
    expect(bodyOf(hundred).results).toHaveLength(100);
    expect(tooMany.statusCode).toBe(422);
  });

  it('answers 409 for a journey that has no webhook trigger', async () => {
    const { email } = await newContact();

    const result = await api()(enrolRequest('cart-recovery', { email }));

    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toMatchObject({ error: 'webhook_enrollment_disabled' });
  });

  it.each([
    ['neither email nor contactId', {}],
    ['both email and contactId', { email: 'a@acme.example', contactId: 'c-1' }],
    ['an invalid email', { email: 'not-an-email' }],
    ['an attribute name that is not snake_case', { email: 'a@acme.example', attributes: { 'Plan Name': 'pro' } }],
    ['an empty batch', { contacts: [] }],
    ['an unknown field', { email: 'a@acme.example', journey: 'x' }],
  ])('answers 422 to a body with %s', async (_what, body) => {
    const result = await api()(enrolRequest('budget-router', body));

    expect(result.statusCode).toBe(422);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const result = await api()(enrolRequest('budget-router', '{"email":'));

    expect(result.statusCode).toBe(400);
  });

  it('replays the same answer for the same Idempotency-Key without enrolling twice', async () => {
    // Prepare
    const { contactId, email } = await newContact();
    const key = `key-${randomUUID()}`;

    // Act
    const first = await api()(enrolRequest('budget-router', { email }, { 'idempotency-key': key }));
    const second = await api()(enrolRequest('budget-router', { email }, { 'idempotency-key': key }));

    // Assess
    expect(second.statusCode).toBe(first.statusCode);
    expect(bodyOf(second)).toEqual(bodyOf(first));
    expect(second.headers?.['idempotent-replayed']).toBe('true');
    expect(await eventsOf(contactId, EventName.JourneyEnrollmentRequested)).toHaveLength(1);
  });

  it('accepts a request with a valid Nurture-Signature', async () => {
    const { email } = await newContact();
    const body = JSON.stringify({ email });

    const result = await api()(enrolRequest('budget-router', body, { 'nurture-signature': sign(body) }));

    expect(result.statusCode).toBe(200);
  });

  it('refuses a signature more than five minutes old with 401', async () => {
    const { email } = await newContact();
    const body = JSON.stringify({ email });

    const result = await api()(enrolRequest('budget-router', body, { 'nurture-signature': sign(body, SIGNING_SECRET, Math.floor(Date.now() / 1_000) - 301) }));

    expect(result.statusCode).toBe(401);
    expect(bodyOf(result)).toMatchObject({ error: 'invalid_signature' });
  });

  it('refuses a signature made with another secret, or over another body, with 401', async () => {
    const { contactId, email } = await newContact();
    const body = JSON.stringify({ email });

    const wrongSecret = await api()(enrolRequest('budget-router', body, { 'nurture-signature': sign(body, 'some-other-secret-entirely') }));
    const otherBody = await api()(enrolRequest('budget-router', body, { 'nurture-signature': sign(JSON.stringify({ email: 'x@acme.example' })) }));
    const garbage = await api()(enrolRequest('budget-router', body, { 'nurture-signature': 'v1=abc' }));

    expect([wrongSecret.statusCode, otherBody.statusCode, garbage.statusCode]).toEqual([401, 401, 401]);
    expect(await eventsOf(contactId, EventName.JourneyEnrollmentRequested)).toEqual([]);
  });
});

describe('journeys API: exiting a contact', () => {
  const exitRequest = (journeyId: string, contactId: string) =>
    httpEvent({
      routeKey: 'DELETE /journeys/{journeyId}/enrollments/{contactId}',
      path: `/journeys/${journeyId}/enrollments/${contactId}`,
      pathParameters: { journeyId, contactId },
      headers: auth,
    });

  it('stops the running execution, marks the membership exited and appends journey.exited', async () => {
    // Prepare
    const { contactId } = await newContact();
    const membership = await recordMembership(contactId);

    // Act
    const result = await api()(exitRequest('budget-router', contactId));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ journeyId: 'budget-router', contactId, result: 'exited' });
    expect(stops).toContainEqual({ type: 'StopJourney', journeyId: 'budget-router', executionName: membership.executionName, reason: 'exited through the API' });
    expect(await store.membership(contactId, 'budget-router')).toMatchObject({ status: 'exited' });
    expect(await eventsOf(contactId, EventName.JourneyExited)).toEqual([expect.objectContaining({ data: expect.objectContaining({ reason: 'api' }) })]);
  });

  it('answers 404 for a contact not running through the journey', async () => {
    const never = await newContact();
    const finished = await newContact();
    await recordMembership(finished.contactId, { status: 'completed' });

    expect((await api()(exitRequest('budget-router', never.contactId))).statusCode).toBe(404);
    expect((await api()(exitRequest('budget-router', finished.contactId))).statusCode).toBe(404);
  });
});
