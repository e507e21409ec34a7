import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../functions/shared/keys';
import { startRuntime, type Runtime } from '../../local/runtime';
import { eventually, journeyDriver, simulatedSteps, trackedLinks } from './support';

/**
 * The shipped journeys through the real local runtime: form posts and tracking calls in through the gateway, the
 * reactor enrols, the compiled state machines run in the local Step Functions endpoint (two journey days per real
 * second), emails land in the local SES inbox and hand-offs in the local CRM receiver.
 */
let runtime: Runtime;
let drive: ReturnType<typeof journeyDriver>;

beforeAll(async () => {
  runtime = await startRuntime({ port: 0, dynamoDbPort: 0, sesPort: 0, dataDir: null, tableName: 'journeys-e2e', timeScale: 172_800 });
  drive = journeyDriver(runtime);
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

let n = 0;
const person = (name: string) => `${name}-${Date.now()}-${n++}@example.com`;

describe('budget-router through npm start\'s parts', () => {
  it('hands a $9,000 demo request to the CRM and sends "a rep will call", as the simulator predicts', { timeout: 60_000 }, async () => {
    const email = person('big');
    await drive.identify(email, { email, first_name: 'Grace' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Grace', company: 'Navy', budget: '9,000' });
    const execution = await drive.finished('budget-router', contactId);

    expect(execution.status).toBe('SUCCEEDED');
    expect(drive.steps('budget-router', contactId)).toEqual(await simulatedSteps('budget-router', { budget: 9_000 }));
    expect((await drive.crmContacts()).map((c) => c.email ?? c.properties.email)).toContain(email);
    expect((await drive.inbox(email)).map((m) => m.subject)).toEqual([expect.stringMatching(/specialist will contact you/)]);
    // journey.completed comes from the execution's status-change event, after the execution has ended.
    const types = (await eventually(() => drive.timeline(contactId), (t) => t.some((e) => e.type === 'journey.completed'))).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['journey.entered', 'crm.handed_off', 'email.sent', 'journey.completed']));
  });

  it('nurtures a $2,000 request and jumps to the demo offer when the first email\'s link is clicked', { timeout: 60_000 }, async () => {
    const email = person('small');
    await drive.identify(email, { email, first_name: 'Ada' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Ada', budget: 2000 });
    const [first] = await eventually(() => drive.inbox(email), (mails) => mails.length > 0);
    await eventually(() => drive.waits(contactId), (waits) => waits.length > 0);
    await drive.later(60);
    const click = await fetch(trackedLinks(first!.html)[0]!, { redirect: 'manual' });
    const execution = await drive.finished('budget-router', contactId);

    expect(click.status).toBe(302);
    expect(execution.status).toBe('SUCCEEDED');
    expect(await drive.sent(contactId)).toEqual(['nurture-1', 'demo-offer']);
    expect(drive.steps('budget-router', contactId)).toEqual(
      await simulatedSteps('budget-router', { budget: 2_000 }, [{ at: '+1h', type: 'email.clicked', data: { templateId: 'nurture-1', machine: false } }]),
    );
    // The reactor deletes the wait in its transaction after resuming the task, which may come after the execution ends.
    expect(await eventually(() => drive.waits(contactId), (waits) => waits.length === 0)).toEqual([]);
    expect(await drive.crmContacts()).not.toContainEqual(expect.objectContaining({ email }));
  });

  it('sends the whole sequence when nothing is clicked, the same path the simulator prints', { timeout: 90_000 }, async () => {
    const email = person('quiet');
    await drive.identify(email, { email, first_name: 'Quinn' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Quinn', budget: 1000 });
    const execution = await drive.finished('budget-router', contactId, 60_000);

    expect(execution.status).toBe('SUCCEEDED');
    expect(drive.steps('budget-router', contactId)).toEqual(await simulatedSteps('budget-router', { budget: 1_000 }));
    const outcomes = (await drive.timeline(contactId)).filter((e) => e.type === 'email.sent' || e.type === 'email.skipped');
    expect(outcomes.map((e) => e.data.templateId)).toEqual(['nurture-1', 'nurture-2', 'nurture-3', 'nurture-4']);
  });

  it('stops the sequence when the contact books a demo (the goal), and records why', { timeout: 60_000 }, async () => {
    const email = person('booker');
    await drive.identify(email, { email, first_name: 'Bo' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Bo', budget: 3000 });
    await eventually(() => drive.inbox(email), (mails) => mails.length > 0);
    await drive.track(email, 'demo_booked', { calendar: 'sales' });
    const execution = await drive.finished('budget-router', contactId);

    expect(execution.status).toBe('ABORTED');
    const exit = (await eventually(() => drive.timeline(contactId), (t) => t.some((e) => e.type === 'journey.exited'))).find((e) => e.type === 'journey.exited');
    expect(exit?.data).toMatchObject({ journeyId: 'budget-router', reason: 'goal', detail: 'event demo_booked' });
    expect(await drive.sent(contactId)).toEqual(['nurture-1']);
  });

  it('enrols a contact once: a second demo request within the cool-down starts nothing', { timeout: 60_000 }, async () => {
    const email = person('twice');
    await drive.identify(email, { email, first_name: 'Tom' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Tom', budget: 8000 });
    await drive.finished('budget-router', contactId);
    await drive.postForm('demo-request', { email, first_name: 'Tom', budget: 8000 });
    await eventually(() => drive.timeline(contactId), (t) => t.filter((e) => e.type === 'form.submitted').length === 2);
    await new Promise((resolve) => setTimeout(resolve, 1_000));

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
    expect(drive.steps('welcome', contactId)).toEqual(await simulatedSteps('welcome', { first_name: 'Rita' }));
    expect(await drive.sent(contactId)).toEqual(['welcome', 'tips-day-2', 'tips-day-5']);
  });
});

describe('trial-expiry', () => {
  it('starts from the daily sweep three days before trial_ends_at and sends on the day', { timeout: 60_000 }, async () => {
    const email = person('trial');
    const today = new Date().toISOString().slice(0, 10);
    const ends = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const contactId = await drive.identify(email, { email, first_name: 'Tess', trialEndsAt: ends });
    await eventually(
      async () => (await drive.db.send(new GetCommand({ TableName: runtime.tableName, Key: keys.dateIndex(contactId, 'trial_ends_at'), ConsistentRead: true }))).Item,
      (item) => item !== undefined,
    );

    const swept = (await runtime.invoke('journeySweep', { day: today })) as { requested: number };
    const again = (await runtime.invoke('journeySweep', { day: today })) as { requested: number };
    const execution = await drive.finished('trial-expiry', contactId);

    expect(swept.requested).toBeGreaterThanOrEqual(1);
    expect(again.requested).toBe(0);
    expect(execution.status).toBe('SUCCEEDED');
    // The simulator starts on 2026-11-23: the same trial, three days on.
    expect(drive.steps('trial-expiry', contactId)).toEqual(await simulatedSteps('trial-expiry', { first_name: 'Tess', trial_ends_at: '2026-11-26' }));
    expect(await drive.sent(contactId)).toEqual(['trial-ending-soon', 'trial-ends-today']);
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

    expect(list.journeys.map((j) => j.id).sort()).toEqual(['budget-router', 'cart-recovery', 'recycle-nurture', 'trial-expiry', 'welcome']);
    expect(one.mermaid).toMatch(/^flowchart TD/);
  });
});

describe('exits', () => {
  it('leaves the nurture sequence at once when the contact unsubscribes with one click', { timeout: 60_000 }, async () => {
    const email = person('leaver');
    await drive.identify(email, { email, first_name: 'Lee' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Lee', budget: 1500 });
    const [first] = await eventually(() => drive.inbox(email), (mails) => mails.length > 0);
    const unsubscribe = /href="([^"]*\/u\/[^"]+)"/.exec(first!.html)![1]!.replace(/&amp;/g, '&');
    const oneClick = await fetch(unsubscribe, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    const execution = await drive.finished('budget-router', contactId);

    expect(oneClick.status).toBe(200);
    expect(execution.status).toBe('ABORTED');
    const exit = (await eventually(() => drive.timeline(contactId), (t) => t.some((e) => e.type === 'journey.exited'))).find((e) => e.type === 'journey.exited');
    expect(exit?.data).toMatchObject({ reason: 'unsubscribed' });
    expect(await drive.sent(contactId)).toEqual(['nurture-1']);
  });

  it('leaves on a hard bounce from the mailbox simulator', { timeout: 60_000 }, async () => {
    const email = 'bounce@simulator.amazonses.com';
    await drive.identify(email, { email, first_name: 'Bounce' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Bounce', budget: 1500 });
    const execution = await drive.finished('budget-router', contactId);

    expect(execution.status).toBe('ABORTED');
    const types = (await eventually(() => drive.timeline(contactId), (t) => t.some((e) => e.type === 'journey.exited'))).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['email.bounced', 'journey.exited']));
  });
});
