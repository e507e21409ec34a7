import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../functions/shared/keys';
import type { Runtime } from '../../local/runtime';
import { eventually, uniqueEmail, useLocalRuntime, zoneWhereItIs, type JourneyDriver } from './support';

/**
 * The shipped journeys through the real local runtime: form posts and tracking calls in through the gateway, the
 * reactor enrols, the compiled state machines run in the local Step Functions endpoint (two journey days per real
 * second), emails land in the local SES inbox and hand-offs in the local CRM receiver. What the contact does while a
 * journey waits (a click, a goal, an unsubscribe, a bounce) must beat the journey's timers, which pass in a second or
 * two here: those runs are in e2e-events.test.ts, on a slower clock.
 */
let runtime: Runtime;
let drive: JourneyDriver;

useLocalRuntime({ tableName: 'journeys-e2e', timeScale: 172_800 }, (r, d) => {
  runtime = r;
  drive = d;
});

const person = uniqueEmail;

describe('budget-router through npm start\'s parts', () => {
  it('hands a $9,000 demo request to the CRM and sends "a rep will call", as the simulator predicts', { timeout: 60_000 }, async () => {
    const email = person('big');
    await drive.identify(email, { email, first_name: 'Grace' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Grace', company: 'Navy', budget: '9,000' });
    const execution = await drive.finished('budget-router', contactId);

    expect(execution.status).toBe('SUCCEEDED');
    const run = await drive.versusSimulator('budget-router', contactId, { budget: 9_000 });
    expect(run.runtime).toEqual(run.simulator);
    expect((await drive.crmContacts()).map((c) => c.email ?? c.properties.email)).toContain(email);
    expect((await drive.inbox(email)).map((m) => m.subject)).toEqual([expect.stringMatching(/specialist will contact you/)]);
    // journey.completed comes from the execution's status-change event, after the execution has ended.
    const types = (await eventually(() => drive.timeline(contactId), (t) => t.some((e) => e.type === 'journey.completed'))).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['journey.entered', 'crm.handed_off', 'email.sent', 'journey.completed']));
  });

  it('sends the whole sequence when nothing is clicked, the same path the simulator prints', { timeout: 90_000 }, async () => {
    const email = person('quiet');
    await drive.identify(email, { email, first_name: 'Quinn' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Quinn', budget: 1000 });
    const execution = await drive.finished('budget-router', contactId, 60_000);

    expect(execution.status).toBe('SUCCEEDED');
    const run = await drive.versusSimulator('budget-router', contactId, { budget: 1_000 });
    expect(run.runtime).toEqual(run.simulator);
    // Days 0, 3, 7 and 11: never more than the frequency cap's 3 in 7 days, so none is skipped.
    expect(run.runtime.emails).toEqual(['nurture-1', 'nurture-2', 'nurture-3', 'nurture-4']);
  });

  it('holds the first email until 8 a.m. for a lead who signs up at 3 a.m. their time, when the simulator sends it', { timeout: 90_000 }, async () => {
    const email = person('night-owl');
    await drive.identify(email, { email, first_name: 'Nyx', time_zone: zoneWhereItIs(3) });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Nyx', budget: 1000 });
    const execution = await drive.finished('budget-router', contactId, 60_000);

    expect(execution.status).toBe('SUCCEEDED');
    const run = await drive.versusSimulator('budget-router', contactId, { budget: 1_000 });
    expect(run.runtime).toEqual(run.simulator);
    // Five hours less the minutes past 3 a.m., in journey time.
    expect(run.runtime.minutes[0]).toBeGreaterThan(4 * 60);
    expect(run.runtime.minutes[0]).toBeLessThanOrEqual(5 * 60);
  });

  it('enrols a contact once: a second demo request within the cool-down starts nothing', { timeout: 60_000 }, async () => {
    const email = person('twice');
    await drive.identify(email, { email, first_name: 'Tom' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Tom', budget: 8000 });
    await drive.finished('budget-router', contactId);
    await drive.postForm('demo-request', { email, first_name: 'Tom', budget: 8000 });
    await eventually(() => drive.timeline(contactId), (t) => t.filter((e) => e.type === 'form.submitted').length === 2);
    // The reactor has decided on the second post once the stream is drained past it: an enrolment would have started
    // its execution (before the reactor's commit) and appended journey.entered by then.
    await drive.idle();

    expect(runtime.stepFunctions.executions().filter((e) => e.name.includes(contactId))).toHaveLength(1);
    expect((await drive.timeline(contactId)).filter((e) => e.type === 'journey.entered')).toHaveLength(1);
  });
});

describe('welcome', () => {
  it('welcomes a newsletter sign-up, then sends the two tips emails', { timeout: 60_000 }, async () => {
    const email = person('reader');
    await drive.identify(email, { email, first_name: 'Rita' });

    const contactId = await drive.postForm('newsletter', { email, first_name: 'Rita', newsletter_consent: 'on' });
    const execution = await drive.finished('welcome', contactId);

    expect(execution.status).toBe('SUCCEEDED');
    const run = await drive.versusSimulator('welcome', contactId, { first_name: 'Rita' });
    expect(run.runtime).toEqual(run.simulator);
    expect(run.runtime.emails).toEqual(['welcome', 'tips-day-2', 'tips-day-5']);
  });
});

describe('trial-expiry', () => {
  it('starts from the daily sweep three days before trial_ends_at and sends on the day', { timeout: 60_000 }, async () => {
    const email = person('trial');
    const now = Date.now();
    const today = new Date(now).toISOString().slice(0, 10);
    const ends = new Date(now + 3 * 86_400_000).toISOString().slice(0, 10);
    const contactId = await drive.identify(email, { email, first_name: 'Tess', trialEndsAt: ends });
    await eventually(
      async () => (await drive.db.send(new GetCommand({ TableName: runtime.tableName, Key: keys.dateIndex(contactId, 'trial_ends_at'), ConsistentRead: true }))).Item,
      (item) => item !== undefined,
    );

    await runtime.invoke('journeySweep', { day: today });
    const again = (await runtime.invoke('journeySweep', { day: today })) as { requested: number };
    const execution = await drive.finished('trial-expiry', contactId);

    // The runtime also runs the sweep itself (at start and every minute), so the one request may be that run's: what
    // matters is that the day's sweeps asked once, whoever ran first, and a sweep of the same day asks nothing more.
    expect(again.requested).toBe(0);
    const requests = (await drive.timeline(contactId)).filter((e) => e.type === 'journey.enrollment_requested');
    expect(requests).toEqual([expect.objectContaining({ data: expect.objectContaining({ journeyId: 'trial-expiry', source: 'date', date: ends }) })]);
    expect(execution.status).toBe('SUCCEEDED');
    const run = await drive.versusSimulator('trial-expiry', contactId, { first_name: 'Tess', trial_ends_at: ends });
    expect(run.runtime).toEqual(run.simulator);
    expect(run.runtime.emails).toEqual(['trial-ending-soon', 'trial-ends-today']);
  });
});

describe('journeys API through the gateway', () => {
  it('enrols a known contact by email into budget-router and answers per contact', { timeout: 60_000 }, async () => {
    const email = person('api');
    const contactId = await drive.identify(email, { email, first_name: 'Api' });

    const response = await fetch(`${runtime.url}/journeys/budget-router/enrollments`, {
      method: 'POST',
      headers: { ...drive.admin, 'idempotency-key': `enrol-${contactId}` },
      body: JSON.stringify({ contacts: [{ email, attributes: { budget: 12000 } }, { email: person('nobody') }] }),
    });
    const body = (await response.json()) as { results: { result: string; reason?: string }[] };
    const execution = await drive.finished('budget-router', contactId);

    expect(response.status).toBe(200);
    expect(body.results.map((r) => r.result)).toEqual(['enrolled', 'not_eligible']);
    expect(execution.status).toBe('SUCCEEDED');
    expect(drive.steps('budget-router', contactId)).toContain('hand-off-to-sales');
  });

  it('lists the journeys with their diagrams', async () => {
    const list = (await (await fetch(`${runtime.url}/journeys`, { headers: drive.admin })).json()) as { journeys: { id: string }[] };
    const one = (await (await fetch(`${runtime.url}/journeys/welcome`, { headers: drive.admin })).json()) as { mermaid: string };

    expect(list.journeys.map((j) => j.id).sort()).toEqual(['budget-router', 'cart-recovery', 'recycle-nurture', 'sms-cart-nudge', 'trial-expiry', 'webinar-follow-up', 'welcome']);
    expect(one.mermaid).toMatch(/^flowchart TD/);
  });
});
