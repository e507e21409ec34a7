import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import type { Membership } from '../../functions/journeys/domain/membership';
import { DynamoJourneyStore } from '../../functions/journeys/dynamo-journey-store';
import { HttpWebhooks, verifyWebhookSignature } from '../../functions/journeys/http-webhooks';
import { makeJourneyStatus } from '../../functions/journeys/journey-status';
import { ConsentNotPending, makeJourneyStep, type JourneyStepInput } from '../../functions/journeys/journey-step';
import { DynamoReactorStore } from '../../functions/reactor/dynamo-reactor-store';
import { react, type ReactorDeps } from '../../functions/reactor/reactor';
import { stageRankOf } from '../../functions/scoring/domain/content';
import { EventName } from '../../functions/shared/events';
import { keys } from '../../functions/shared/keys';
import type { NewTimelineEvent } from '../../functions/shared/timeline';
import { memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

const SECRET = 'journey-signing-secret-for-tests';
const NOW = '2026-11-24T12:00:00.000Z'; // a Tuesday

let table: TestTable;
let contacts: DynamoContacts;
let store: DynamoJourneyStore;
let receiver: Server;
let receiverUrl: string;
/** What the webhook receiver answers next, and what it received. */
let answer = 200;
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];

beforeAll(async () => {
  table = await createTestTable();
  contacts = new DynamoContacts(table.documentClient, table.tableName);
  store = new DynamoJourneyStore(table.documentClient, table.tableName);
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      // A redirect points back at this receiver, so following it would show as a second request.
      res.writeHead(answer, answer >= 300 && answer < 400 ? { location: `${receiverUrl}?redirected=1` } : {}).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks/journey`;
});

afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
});

function journeyStep() {
  return makeJourneyStep({
    store,
    webhooks: new HttpWebhooks(async () => SECRET, { allowLoopback: true, timeoutMs: 5_000 }),
    clock: { now: () => new Date(NOW) },
    logger: memoryLogger(),
    stageRank: stageRankOf,
  });
}

/** A new contact (through form intake) with these attributes; returns its id. */
async function contactWith(attributes: Record<string, string | number> = {}): Promise<string> {
  const email = `${randomUUID()}@acme.example`;
  const { contactId } = await contacts.recordSubmission(email, { formId: 'demo-request', fields: { email, ...attributes }, utm: {} }, new Date('2026-11-01T00:00:00.000Z'));
  return contactId;
}

async function recordMembership(contactId: string, membership: Partial<Membership> = {}): Promise<Membership> {
  const item: Membership = {
    journeyId: 'budget-router',
    executionName: `budget-router-${contactId}-01JTRIGGER`,
    status: 'running',
    entries: 1,
    enteredAt: '2026-11-20T12:00:00.000Z',
    ...membership,
  };
  await table.documentClient.send(new PutCommand({ TableName: table.tableName, Item: { ...keys.membership(contactId, item.journeyId), ...item } }));
  return item;
}

function context(contactId: string, stepId = 'step') {
  return { contactId, journeyId: 'budget-router', stepId, executionName: `budget-router-${contactId}-01JTRIGGER`, now: NOW };
}

async function eventsOf(contactId: string, type?: string) {
  const items = await table.partition(`CONTACT#${contactId}`);
  return items.filter((item) => String(item.SK).startsWith('EVENT#') && (type === undefined || item.type === type));
}

const daysBefore = (days: number) => new Date(Date.parse(NOW) - days * 86_400_000).toISOString();

describe('branch', () => {
  const cases = [{ when: ['budget >= 5000'] }, { when: ['tags contains vip'] }];

  it('picks the first case whose conditions hold', async () => {
    // Prepare
    const contactId = await contactWith({ budget: 9000 });

    // Act
    const result = await journeyStep()({ op: 'branch', ...context(contactId), cases } satisfies JourneyStepInput);

    // Assess
    expect(result).toEqual({ index: 0 });
  });

  it('tries the next case when the first does not hold', async () => {
    const contactId = await contactWith({ budget: 2000 });
    await store.updateContact(contactId, { set: {}, cleared: [], addedTags: ['vip'], removedTags: [] }, `tag-${contactId}`, NOW);

    expect(await journeyStep()({ op: 'branch', ...context(contactId), cases })).toEqual({ index: 1 });
  });

  it('answers -1 (otherwise) when no case holds', async () => {
    const contactId = await contactWith({ budget: 2000 });

    expect(await journeyStep()({ op: 'branch', ...context(contactId), cases })).toEqual({ index: -1 });
  });

  it('reads the timeline for "happened within": an event inside the period counts, an older one does not', async () => {
    // Prepare
    const recent = await contactWith();
    const old = await contactWith();
    const booked = (at: string): NewTimelineEvent => ({ type: EventName.Tracked, occurredAt: at, data: { event: 'demo_booked', properties: { rep: 'sam' } } });
    await contacts.appendEvent(recent, booked(daysBefore(2)));
    await contacts.appendEvent(old, booked(daysBefore(10)));
    const happened = [{ when: [{ happened: 'demo_booked', withinSeconds: 7 * 86_400, where: ['rep == sam'] }] }];

    // Act
    const forRecent = await journeyStep()({ op: 'branch', ...context(recent), cases: happened });
    const forOld = await journeyStep()({ op: 'branch', ...context(old), cases: happened });

    // Assess
    expect(forRecent).toEqual({ index: 0 });
    expect(forOld).toEqual({ index: -1 });
  });

  it('fails with ContactGone when the contact was erased', async () => {
    await expect(journeyStep()({ op: 'branch', ...context('01JNOSUCHCONTACT'), cases })).rejects.toMatchObject({ name: 'ContactGone' });
  });

  it('fails with InvalidStepInput on an input no operation matches', async () => {
    await expect(journeyStep()({ op: 'teleport', ...context('x') })).rejects.toMatchObject({ name: 'InvalidStepInput' });
  });
});

describe('waitUntil', () => {
  const waitUntil = (contactId: string, rest: Record<string, unknown>) =>
    journeyStep()({ op: 'waitUntil', ...context(contactId, 'until'), timezone: 'America/New_York', ...rest });

  it('waits until the start of a date attribute\'s day in the contact\'s time zone', async () => {
    const contactId = await contactWith({ trial_ends_at: '2026-12-01', time_zone: 'Europe/Paris' });

    const result = await waitUntil(contactId, { attribute: 'trial_ends_at', offsetSeconds: 0 });

    expect(result).toMatchObject({ until: '2026-11-30T23:00:00.000Z', reason: 'trial_ends_at in Europe/Paris' });
  });

  it('applies the offset and falls back to the journey\'s zone when the contact has none', async () => {
    const contactId = await contactWith({ trial_ends_at: '2026-12-01' });

    const result = await waitUntil(contactId, { attribute: 'trial_ends_at', offsetSeconds: -86_400 });

    expect(result).toMatchObject({ until: '2026-11-30T05:00:00.000Z' });
  });

  it('goes on at once when the date has passed or is missing', async () => {
    const passed = await contactWith({ trial_ends_at: '2026-11-01' });
    const missing = await contactWith();

    expect(await waitUntil(passed, { attribute: 'trial_ends_at' })).toEqual({ until: NOW, reason: 'trial_ends_at has passed' });
    expect(await waitUntil(missing, { attribute: 'trial_ends_at' })).toEqual({ until: NOW, reason: 'no date in trial_ends_at' });
  });

  it('waits for the next opening of a send window in the contact\'s zone', async () => {
    // Prepare: 12:00 UTC is 13:00 in Paris, after the 08:00-10:00 window
    const contactId = await contactWith({ time_zone: 'Europe/Paris' });

    // Act
    const result = await waitUntil(contactId, { window: { hours: '08:00-10:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] } });

    // Assess
    expect(result).toEqual({ until: '2026-11-25T07:00:00.000Z', reason: 'next window opening in Europe/Paris' });
  });

  it('skips days outside the window', async () => {
    // Friday 11:00 in New York, after the window; the window is weekdays only, so Monday 08:00 in New York
    const contactId = await contactWith();

    const result = await journeyStep()({
      op: 'waitUntil',
      ...context(contactId, 'until'),
      now: '2026-11-27T16:00:00.000Z',
      timezone: 'America/New_York',
      window: { hours: '08:00-10:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
    });

    expect(result).toMatchObject({ until: '2026-11-30T13:00:00.000Z' });
  });

  it('goes on at once inside the window', async () => {
    const contactId = await contactWith({ time_zone: 'Europe/Paris' });

    const result = await journeyStep()({ op: 'waitUntil', ...context(contactId, 'until'), now: '2026-11-24T08:30:00.000Z', timezone: 'UTC', window: { hours: '08:00-10:00' } });

    expect(result).toEqual({ until: '2026-11-24T08:30:00.000Z', reason: 'inside the window' });
  });

  it('waits for a calendar wait until the local midnight that starts the day N days later, whatever the time now', async () => {
    // Prepare: 12:00 UTC is 21:00 on Tuesday in Tokyo
    const contactId = await contactWith({ time_zone: 'Asia/Tokyo' });

    // Act
    const tomorrow = await journeyStep()({ op: 'waitUntil', ...context(contactId, 'after-a-day'), timezone: 'UTC', calendarDays: 1 });
    const inThreeDays = await journeyStep()({ op: 'waitUntil', ...context(contactId, 'after-two-days'), timezone: 'UTC', calendarDays: 3 });

    // Assess: Wednesday and Friday 00:00 in Tokyo
    expect(tomorrow).toEqual({ until: '2026-11-24T15:00:00.000Z', reason: 'local midnight 1 day later in Asia/Tokyo' });
    expect(inThreeDays).toMatchObject({ until: '2026-11-26T15:00:00.000Z' });
  });

  it('counts a calendar wait in the journey\'s zone when the contact has none, across a month end', async () => {
    const contactId = await contactWith();

    const result = await journeyStep()({ op: 'waitUntil', ...context(contactId, 'after-a-day'), now: '2026-11-30T23:30:00.000Z', timezone: 'America/New_York', calendarDays: 1 });

    // 18:30 on 30 November in New York: midnight starting 1 December there
    expect(result).toMatchObject({ until: '2026-12-01T05:00:00.000Z' });
  });
});

describe('registerWait', () => {
  it('stores the task token under the contact with a TTL a day after the timeout', async () => {
    // Prepare
    const contactId = await contactWith();

    // Act
    const result = await journeyStep()({
      op: 'registerWait',
      ...context(contactId, 'wait-click-1'),
      event: 'email.clicked',
      where: ['templateId == nurture-1'],
      timeoutSeconds: 3 * 86_400,
      taskToken: 'token-1',
    });

    // Assess
    expect(result).toEqual({ registered: true });
    const items = await table.partition(`CONTACT#${contactId}`);
    const wait = items.find((item) => item.SK === `WAIT#budget-router-${contactId}-01JTRIGGER#wait-click-1`);
    expect(wait).toMatchObject({
      journeyId: 'budget-router',
      stepId: 'wait-click-1',
      event: 'email.clicked',
      where: ['templateId == nurture-1'],
      taskToken: 'token-1',
      createdAt: NOW,
      expiresAt: Date.parse(NOW) / 1_000 + 3 * 86_400 + 86_400,
    });
  });
});

/** Sets the contact's consent to the newsletter, as the email capability writes it. */
async function newsletterConsent(contactId: string, status: 'pending' | 'subscribed') {
  await table.documentClient.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: keys.profile(contactId),
      UpdateExpression: 'SET subscriptions = :subscriptions',
      ExpressionAttributeValues: { ':subscriptions': { newsletter: { status, at: daysBefore(1), source: 'form', formId: 'newsletter' } } },
    }),
  );
}

describe('awaitConfirmation', () => {
  const input = (contactId: string) =>
    ({ op: 'awaitConfirmation', ...context(contactId, 'welcome-email'), topic: 'newsletter', timeoutSeconds: 30 * 86_400, taskToken: 'token-2' }) satisfies JourneyStepInput;

  it('waits for consent.confirmed of the topic while the double opt-in is pending', async () => {
    // Prepare
    const contactId = await contactWith();
    await newsletterConsent(contactId, 'pending');

    // Act
    const result = await journeyStep()(input(contactId));

    // Assess
    expect(result).toEqual({ registered: true });
    const items = await table.partition(`CONTACT#${contactId}`);
    expect(items.find((item) => item.SK === `WAIT#budget-router-${contactId}-01JTRIGGER#welcome-email`)).toMatchObject({
      event: 'consent.confirmed',
      where: ['topic == newsletter'],
      taskToken: 'token-2',
      expiresAt: Date.parse(NOW) / 1_000 + 31 * 86_400,
    });
  });

  it('fails with ConsentNotPending, and waits for nothing, when the contact confirmed before the wait was put', async () => {
    const contactId = await contactWith();
    await newsletterConsent(contactId, 'subscribed');

    await expect(journeyStep()(input(contactId))).rejects.toThrow(ConsentNotPending);

    expect((await table.partition(`CONTACT#${contactId}`)).filter((item) => String(item.SK).startsWith('WAIT#'))).toEqual([]);
  });
});

describe('exitUnconfirmed', () => {
  it('ends the membership as exited (unconfirmed) with one journey.exited, and its completion adds nothing', async () => {
    // Prepare
    const contactId = await contactWith();
    const membership = await recordMembership(contactId);
    const input = { op: 'exitUnconfirmed', ...context(contactId, 'welcome-email'), topic: 'newsletter', waitedSeconds: 30 * 86_400 } satisfies JourneyStepInput;

    // Act: a retried step, then the execution's SUCCEEDED status change
    await journeyStep()(input);
    await journeyStep()(input);
    await makeJourneyStatus({ store, logger: memoryLogger() })({
      'detail-type': 'Step Functions Execution Status Change',
      time: NOW,
      detail: { name: membership.executionName, status: 'SUCCEEDED', input: JSON.stringify({ contactId, journeyId: 'budget-router', executionName: membership.executionName }) },
    });

    // Assess
    expect(await store.membership(contactId, 'budget-router')).toMatchObject({ status: 'exited', endReason: 'unconfirmed', endedAt: NOW });
    const exited = await eventsOf(contactId, EventName.JourneyExited);
    expect(exited).toHaveLength(1);
    expect(exited[0]).toMatchObject({ data: { reason: 'unconfirmed', detail: 'newsletter double opt-in not confirmed within 30d (step welcome-email)' } });
    expect(await eventsOf(contactId, EventName.JourneyCompleted)).toEqual([]);
  });
});

/**
 * The reactor with its default rules (the lifecycle rules among them), as the stream would run it on `event`.
 * Journeys, hand-offs and emails it may call stand outside this test and succeed without effect.
 */
async function reactTo(contactId: string, eventId: string) {
  const event = (await contacts.timeline(contactId, { limit: 100 })).items.find((e) => e.eventId === eventId)!;
  const noEffect = new Proxy({}, { get: () => async () => ({ type: 'Done' }) });
  const deps: ReactorDeps = {
    store: new DynamoReactorStore(table.documentClient, table.tableName),
    journeys: noEffect as ReactorDeps['journeys'],
    handOffs: { enqueue: async () => undefined },
    emails: noEffect as NonNullable<ReactorDeps['emails']>,
    clock: { now: () => new Date(NOW) },
    logger: memoryLogger(),
  };
  return react(event, deps);
}

describe('updateContact: stage', () => {
  const setStage = (contactId: string, stage: string, stepId: string) =>
    journeyStep()({ op: 'updateContact', ...context(contactId, stepId), stage } satisfies JourneyStepInput);
  const stageChanges = async (contactId: string) => (await eventsOf(contactId, EventName.StageChanged)).map((e) => e.data as { from: string; to: string; reason: string });

  it('moves the contact forward through the lifecycle rules, which append stage.changed', async () => {
    // Prepare: a new contact is a subscriber
    const contactId = await contactWith();

    // Act
    await setStage(contactId, 'lead', 'make-lead');
    await reactTo(contactId, `budget-router-${contactId}-01JTRIGGER.make-lead`);

    // Assess
    const [updated] = await eventsOf(contactId, EventName.ContactUpdated);
    expect(updated?.data).toMatchObject({ journeyId: 'budget-router', stepId: 'make-lead', stage: 'lead' });
    expect((await contacts.get(contactId))?.stage).toBe('lead');
    expect(await stageChanges(contactId)).toEqual([expect.objectContaining({ from: 'subscriber', to: 'lead', reason: 'journey budget-router, step make-lead' })]);
  });

  it('never moves a contact back down the funnel', async () => {
    const contactId = await contactWith();
    await setStage(contactId, 'lead', 'make-lead');
    await reactTo(contactId, `budget-router-${contactId}-01JTRIGGER.make-lead`);

    await setStage(contactId, 'subscriber', 'back-to-subscriber');
    await reactTo(contactId, `budget-router-${contactId}-01JTRIGGER.back-to-subscriber`);

    expect((await contacts.get(contactId))?.stage).toBe('lead');
    expect((await stageChanges(contactId)).map((c) => c.to)).toEqual(['lead']);
  });

  it('recycles or disqualifies a contact as an explicit move out of the funnel', async () => {
    const contactId = await contactWith();
    await setStage(contactId, 'lead', 'make-lead');
    await reactTo(contactId, `budget-router-${contactId}-01JTRIGGER.make-lead`);

    await setStage(contactId, 'recycled', 'recycle');
    await reactTo(contactId, `budget-router-${contactId}-01JTRIGGER.recycle`);

    expect((await contacts.get(contactId))?.stage).toBe('recycled');
    // Both stage.changed events carry the step's time; their ids, derived from the causes, do not sort by step.
    expect((await stageChanges(contactId)).map((c) => `${c.from} → ${c.to}`).sort()).toEqual(['lead → recycled', 'subscriber → lead']);
  });
});

describe('updateContact', () => {
  it('sets and clears attributes and tags, and appends contact.updated once even when the step runs twice', async () => {
    // Prepare
    const contactId = await contactWith({ budget: 2000, plan: 'free' });
    await store.updateContact(contactId, { set: {}, cleared: [], addedTags: ['trial'], removedTags: [] }, `tag-${contactId}`, NOW);
    const input = {
      op: 'updateContact',
      ...context(contactId, 'mark-vip'),
      set: { plan: 'pro', seats: 5 },
      clear: ['budget'],
      addTags: ['vip'],
      removeTags: ['trial'],
    } satisfies JourneyStepInput;

    // Act
    const first = await journeyStep()(input);
    const second = await journeyStep()(input);

    // Assess
    expect(first).toEqual({ outcome: 'updated' });
    expect(second).toEqual({ outcome: 'already_updated' });
    const contact = await store.contact(contactId);
    expect(contact?.attributes).toMatchObject({ plan: 'pro', seats: 5 });
    expect(contact?.attributes.budget).toBeUndefined();
    expect(contact?.tags).toEqual(['vip']);
    const updates = (await eventsOf(contactId, EventName.ContactUpdated)).filter((e) => (e.data as { stepId?: string }).stepId === 'mark-vip');
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ eventId: `budget-router-${contactId}-01JTRIGGER.mark-vip`, data: { set: { plan: 'pro', seats: 5 }, cleared: ['budget'], addedTags: ['vip'], removedTags: ['trial'] } });
  });

  it('fails with ContactGone for a contact that does not exist', async () => {
    await expect(journeyStep()({ op: 'updateContact', ...context('01JNOSUCHCONTACT'), set: { plan: 'pro' } })).rejects.toMatchObject({ name: 'ContactGone' });
  });
});

describe('webhook', () => {
  it('posts the contact with a Nurture-Signature the receiver can verify', async () => {
    // Prepare
    const contactId = await contactWith({ budget: 2000 });
    answer = 200;
    received.length = 0;

    // Act
    const result = await journeyStep()({ op: 'webhook', ...context(contactId, 'notify'), url: receiverUrl });

    // Assess
    expect(result).toEqual({ outcome: 'delivered', status: 200 });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(verifyWebhookSignature(String(request!.headers['nurture-signature']), request!.body, SECRET)).toBe(true);
    expect(verifyWebhookSignature(String(request!.headers['nurture-signature']), `${request!.body} `, SECRET)).toBe(false);
    expect(verifyWebhookSignature(String(request!.headers['nurture-signature']), request!.body, 'another-secret-entirely')).toBe(false);
    expect(request!.headers['idempotency-key']).toBe(`budget-router-${contactId}-01JTRIGGER:notify`);
    expect(JSON.parse(request!.body)).toMatchObject({ journeyId: 'budget-router', stepId: 'notify', contact: { contactId, attributes: { budget: 2000 } }, sentAt: NOW });
  });

  it('refuses a signature older than five minutes', async () => {
    const contactId = await contactWith();
    answer = 200;
    received.length = 0;
    await journeyStep()({ op: 'webhook', ...context(contactId, 'notify'), url: receiverUrl });

    const [request] = received;

    expect(verifyWebhookSignature(String(request!.headers['nurture-signature']), request!.body, SECRET, Date.now() + 301_000)).toBe(false);
  });

  it('fails with WebhookUnavailable (retried) when the receiver answers 500 or 429', async () => {
    const contactId = await contactWith();

    answer = 500;
    await expect(journeyStep()({ op: 'webhook', ...context(contactId, 'notify'), url: receiverUrl })).rejects.toMatchObject({ name: 'WebhookUnavailable' });
    answer = 429;
    await expect(journeyStep()({ op: 'webhook', ...context(contactId, 'notify'), url: receiverUrl })).rejects.toMatchObject({ name: 'WebhookUnavailable' });
  });

  it('fails with WebhookRejected (not retried) when the receiver answers 400', async () => {
    const contactId = await contactWith();
    answer = 400;

    await expect(journeyStep()({ op: 'webhook', ...context(contactId, 'notify'), url: receiverUrl })).rejects.toMatchObject({ name: 'WebhookRejected' });
  });
});

describe('webhook URLs in AWS', () => {
  it('refuses to post to a loopback or private address outside the local runtime', async () => {
    const webhooks = new HttpWebhooks(async () => SECRET, { allowLoopback: false });
    received.length = 0;

    await expect(webhooks.post(receiverUrl, '{}', 'k')).rejects.toMatchObject({ name: 'WebhookRejected' });
    await expect(webhooks.post('https://10.0.0.8/hook', '{}', 'k')).rejects.toMatchObject({ name: 'WebhookRejected' });
    expect(received).toEqual([]);
  });

  it('refuses a public-looking host whose DNS answers a loopback address when the call connects (DNS rebinding)', async () => {
    const rebound = new HttpWebhooks(async () => SECRET, { allowLoopback: false, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    received.length = 0;

    await expect(rebound.post(`https://hooks.example:${new URL(receiverUrl).port}/hooks/journey`, '{}', 'k')).rejects.toMatchObject({
      name: 'WebhookRejected',
      message: 'hooks.example resolves to a private address',
    });
    expect(received).toEqual([]);
  });

  it('fails with WebhookRejected on a redirect, without following it', async () => {
    const contactId = await contactWith();
    answer = 302;
    received.length = 0;

    await expect(journeyStep()({ op: 'webhook', ...context(contactId, 'notify'), url: receiverUrl })).rejects.toMatchObject({ name: 'WebhookRejected' });
    expect(received).toHaveLength(1);
  });
});

describe('recordFailure', () => {
  it('marks the membership failed and appends journey.failed once, however often it runs', async () => {
    // Prepare
    const contactId = await contactWith();
    const membership = await recordMembership(contactId);
    const input = { op: 'recordFailure', ...context(contactId, 'journey.failed'), error: { Error: 'CrmRejected', Cause: 'the CRM said no' } } satisfies JourneyStepInput;

    // Act
    await journeyStep()(input);
    await journeyStep()(input);

    // Assess
    expect(await store.membership(contactId, 'budget-router')).toMatchObject({ status: 'failed', endedAt: NOW });
    const failed = await eventsOf(contactId, EventName.JourneyFailed);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ data: { journeyId: 'budget-router', executionName: membership.executionName, error: 'CrmRejected', cause: 'the CRM said no' } });
  });
});

describe('journey status changes', () => {
  function statusChange(contactId: string, status: string, executionName = `budget-router-${contactId}-01JTRIGGER`) {
    return {
      version: '0',
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      time: '2026-12-08T12:00:00Z',
      detail: {
        name: executionName,
        status,
        input: JSON.stringify({ contactId, journeyId: 'budget-router', executionName, bucket: 42 }),
        stopDate: Date.parse('2026-12-08T12:00:00.000Z'),
        error: status === 'FAILED' ? 'JourneyStepFailed' : null,
        cause: null,
      },
    };
  }
  const journeyStatus = () => makeJourneyStatus({ store, logger: memoryLogger() });

  it('completes the membership and appends journey.completed once when an execution succeeds, even delivered twice', async () => {
    // Prepare
    const contactId = await contactWith();
    await recordMembership(contactId);

    // Act
    await journeyStatus()(statusChange(contactId, 'SUCCEEDED'));
    await journeyStatus()(statusChange(contactId, 'SUCCEEDED'));

    // Assess
    expect(await store.membership(contactId, 'budget-router')).toMatchObject({ status: 'completed', endedAt: '2026-12-08T12:00:00.000Z' });
    expect(await eventsOf(contactId, EventName.JourneyCompleted)).toHaveLength(1);
  });

  it('marks the membership failed when an execution fails', async () => {
    const contactId = await contactWith();
    await recordMembership(contactId);

    await journeyStatus()(statusChange(contactId, 'FAILED'));

    expect(await store.membership(contactId, 'budget-router')).toMatchObject({ status: 'failed' });
    expect(await eventsOf(contactId, EventName.JourneyFailed)).toEqual([expect.objectContaining({ data: expect.objectContaining({ error: 'JourneyStepFailed' }) })]);
  });

  it('records nothing more for an execution the reactor stopped and recorded already', async () => {
    const contactId = await contactWith();
    await recordMembership(contactId, { status: 'exited', endReason: 'unsubscribed' });

    await journeyStatus()(statusChange(contactId, 'ABORTED'));

    expect(await store.membership(contactId, 'budget-router')).toMatchObject({ status: 'exited', endReason: 'unsubscribed' });
    expect(await eventsOf(contactId, EventName.JourneyExited)).toEqual([]);
  });

  it('leaves the exit of an execution Nurture stopped to the stopper, even when the status change arrives first', async () => {
    // Prepare: the reactor called StopExecution (error JourneyExited) and has not committed the exit yet
    const contactId = await contactWith();
    await recordMembership(contactId);
    const change = statusChange(contactId, 'ABORTED');

    // Act
    await journeyStatus()({ ...change, detail: { ...change.detail, error: 'JourneyExited', cause: 'unsubscribed from nurture' } });

    // Assess
    expect(await store.membership(contactId, 'budget-router')).toMatchObject({ status: 'running' });
    expect(await eventsOf(contactId, EventName.JourneyExited)).toEqual([]);
  });

  it('records an execution stopped outside Nurture as an exit', async () => {
    const contactId = await contactWith();
    await recordMembership(contactId);

    await journeyStatus()(statusChange(contactId, 'ABORTED'));

    expect(await store.membership(contactId, 'budget-router')).toMatchObject({ status: 'exited' });
    expect(await eventsOf(contactId, EventName.JourneyExited)).toEqual([expect.objectContaining({ data: expect.objectContaining({ reason: 'api' }) })]);
  });

  it('leaves a newer enrolment alone when an older execution of the same journey ends', async () => {
    const contactId = await contactWith();
    await recordMembership(contactId, { executionName: `budget-router-${contactId}-01JNEWER`, entries: 2 });

    await journeyStatus()(statusChange(contactId, 'SUCCEEDED'));

    expect(await store.membership(contactId, 'budget-router')).toMatchObject({ status: 'running', executionName: `budget-router-${contactId}-01JNEWER` });
  });
});
