import { setTimeout as sleep } from 'node:timers/promises';
import { PutCommand, UpdateCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCredentials, localRegion } from '../../local/dynamodb-local';
import type { Runtime } from '../../local/runtime';
import { startTestRuntime } from '../support/runtime';
import type { StoredEmail } from './support';
import { LOCAL_API_KEY } from '../../local/settings';

/**
 * The email flows through the real local parts: the gateway, the registry's handlers, DynamoDB Local,
 * aws-ses-v2-local and the local SES event destination (mailbox simulator included).
 */
let runtime: Runtime;
let db: DynamoDBDocumentClient;

beforeAll(async () => {
  runtime = await startTestRuntime({ tableName: 'email-local' });
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint, region: localRegion, credentials: localCredentials }));
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

const JOURNEY = 'email-tests';
const admin = { authorization: `Bearer ${LOCAL_API_KEY}`, 'content-type': 'application/json' };

/**
 * A contact created through the demo form, in a time zone where it is now midday (inside the send window), and
 * enrolled in a journey of its own that the runtime does not run, so the steps invoked here are the enrolment's and
 * the demo form's real budget-router execution neither shares their sends nor ends them.
 */
async function contact(email: string): Promise<string> {
  const response = await fetch(`${runtime.url}/forms/demo-request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: runtime.url },
    body: JSON.stringify({ email, first_name: 'Ada' }),
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  const { contactId } = (await response.json()) as { contactId: string };
  const offset = (12 - new Date().getUTCHours() + 24) % 24;
  const zone = offset === 0 ? 'Etc/GMT' : offset <= 12 ? `Etc/GMT-${offset}` : `Etc/GMT+${24 - offset}`;
  await db.send(
    new UpdateCommand({
      TableName: runtime.tableName,
      Key: { PK: `CONTACT#${contactId}`, SK: 'PROFILE' },
      UpdateExpression: 'SET attributes.time_zone = :zone',
      ExpressionAttributeValues: { ':zone': zone },
    }),
  );
  await db.send(
    new PutCommand({
      TableName: runtime.tableName,
      Item: {
        PK: `CONTACT#${contactId}`,
        SK: `JOURNEY#${JOURNEY}`,
        journeyId: JOURNEY,
        executionName: `${JOURNEY}-${contactId}-1`,
        status: 'running',
        entries: 1,
        enteredAt: new Date().toISOString(),
      },
    }),
  );
  return contactId;
}

const task = (contactId: string, stepId = 'nurture-1', templateId = 'nurture-1') => ({
  contactId,
  journeyId: JOURNEY,
  stepId,
  executionName: `${JOURNEY}-${contactId}-1`,
  templateId,
});

async function inbox(): Promise<StoredEmail[]> {
  return ((await (await fetch(`${runtime.sesUrl}/store`)).json()) as { emails: StoredEmail[] }).emails;
}

async function timeline(contactId: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const response = await fetch(`${runtime.url}/contacts/${contactId}?limit=100`, { headers: admin });
  return ((await response.json()) as { timeline: { items: { type: string; data: Record<string, unknown> }[] } }).timeline.items;
}

async function profile(contactId: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${runtime.url}/contacts/${contactId}`, { headers: admin });
  return ((await response.json()) as { contact: Record<string, unknown> }).contact;
}

/** Polls until `ok` holds: SES events reach the timeline after the send returns, through the local SES event destination. */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

describe('email on the local runtime', () => {
  it('sends through runtime.invoke("sendEmail"), and a click on the captured email reaches the gateway and the timeline', async () => {
    // Prepare
    const email = `click-${Date.now()}@example.com`;
    const contactId = await contact(email);

    // Act
    const output = await runtime.invoke('sendEmail', task(contactId));
    // The demo form's budget-router execution sends its own nurture-1 to the contact: take the one invoked here.
    const { messageId } = output as { messageId?: string };
    const captured = (await inbox()).find((e) => e.messageId === messageId);
    const link = /href="(http:\/\/127\.0\.0\.1:\d+\/t\/c\/[^"]+)"/.exec(captured?.body.html ?? '')?.[1] ?? '';
    const click = await fetch(link, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0' } });

    // Assess
    expect(output).toMatchObject({ outcome: 'sent' });
    expect(link.startsWith(runtime.url)).toBe(true);
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toBe('https://www.example.com/guides/small-budget-planning');
    // The demo form's journey sends the contact a nurture-1 of its own, whose delivery may come first: wait for this one's.
    const delivered = (e: { type: string; data: Record<string, unknown> }) => e.type === 'email.delivered' && e.data.messageId === messageId;
    const events = await eventually(() => timeline(contactId), (items) => items.some(delivered));
    expect(events.find((e) => e.type === 'email.clicked')?.data).toMatchObject({ templateId: 'nurture-1', journeyId: JOURNEY, stepId: 'nurture-1', linkIndex: 0 });
    expect(events.find(delivered)?.data).toMatchObject({ templateId: 'nurture-1', stepId: 'nurture-1' });
  });

  it('unsubscribes with an RFC 8058 one-click POST to the List-Unsubscribe URL through the gateway', async () => {
    const email = `oneclick-${Date.now()}@example.com`;
    const contactId = await contact(email);
    await runtime.invoke('sendEmail', task(contactId));
    const captured = (await inbox()).find((e) => e.destination.to.includes(email));
    const url = /<(http[^>]+)>/.exec(captured?.headers?.find((h) => h.name === 'List-Unsubscribe')?.value ?? '')?.[1] ?? '';

    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });

    expect(response.status).toBe(200);
    expect((await timeline(contactId)).find((e) => e.type === 'email.unsubscribed')?.data).toMatchObject({ topic: 'nurture', source: 'one-click' });
    expect(await runtime.invoke('sendEmail', task(contactId, 'nurture-2', 'nurture-2'))).toEqual({ outcome: 'skipped', reason: 'unsubscribed' });
  });

  it('turns a send to the bounce simulator into email.bounced and suppresses the contact', async () => {
    const contactId = await contact('bounce@simulator.amazonses.com');

    await runtime.invoke('sendEmail', task(contactId, 'rep', 'rep-will-call'));

    const suppressed = await eventually(() => profile(contactId), (c) => c.suppressed !== undefined);
    expect(suppressed.suppressed).toMatchObject({ reason: 'bounce' });
    expect((await timeline(contactId)).find((e) => e.type === 'email.bounced')?.data).toMatchObject({ bounceType: 'Permanent', permanent: true, templateId: 'rep-will-call' });
  });

  it('turns a send to the complaint simulator into email.complained, an unsubscribe from all, and suppression', async () => {
    const contactId = await contact('complaint@simulator.amazonses.com');

    await runtime.invoke('sendEmail', task(contactId, 'rep', 'rep-will-call'));

    const complained = await eventually(() => profile(contactId), (c) => c.suppressed !== undefined);
    expect(complained.suppressed).toMatchObject({ reason: 'complaint' });
    // The simulator's Delivery and Complaint events are delivered side by side: the delivery may be recorded after the
    // complaint has suppressed the contact.
    const expected = ['email.sent', 'email.delivered', 'email.complained', 'email.unsubscribed'];
    const types = (await eventually(() => timeline(contactId), (items) => expected.every((type) => items.some((e) => e.type === type)))).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(expected));
  });

  it('sends through POST /emails/send once per Idempotency-Key', async () => {
    const email = `api-${Date.now()}@example.com`;
    await contact(email);
    const post = () =>
      fetch(`${runtime.url}/emails/send`, {
        method: 'POST',
        headers: { ...admin, 'idempotency-key': `order-${email}` },
        body: JSON.stringify({ email, templateId: 'rep-will-call' }),
      });

    const first = await post();
    const second = await post();

    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ outcome: 'sent' });
    expect(await second.json()).toMatchObject({ outcome: 'sent', duplicate: true });
    // The demo form also enrols the contact in the budget-router journey, whose nurture email may land meanwhile.
    const sent = (await inbox()).filter((e) => e.destination.to.includes(email) && e.subject.includes('a specialist will contact you'));
    expect(sent).toHaveLength(1);
    expect((await fetch(`${runtime.url}/emails/send`, { method: 'POST', body: '{}' })).status).toBe(401);
  });

  it('previews every template at /dev/emails/{templateId}', async () => {
    const index = await fetch(`${runtime.url}/dev/emails`);
    const preview = await fetch(`${runtime.url}/dev/emails/nurture-1`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('/dev/emails/trial-ends-today');
    expect(await preview.text()).toContain('Hi Ada,');
  });
});
