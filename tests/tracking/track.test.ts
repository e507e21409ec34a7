import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposableDomains } from '../../functions/forms/disposable-domains';
import { DynamoIntake } from '../../functions/forms/dynamo-intake';
import { forms } from '../../functions/forms/forms';
import { Signer } from '../../functions/forms/signing';
import { makeSubmitFormHandler } from '../../functions/forms/submit-form';
import { EventName } from '../../functions/shared/events';
import type { Clock } from '../../functions/shared/ids';
import { keys } from '../../functions/shared/keys';
import { DynamoTracking } from '../../functions/tracking/dynamo-tracking';
import { makeTrackHandler } from '../../functions/tracking/track';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { createTestTable, onEveryCall, type TestTable } from '../support/table';

let table: TestTable;
let track: ReturnType<typeof makeTrackHandler>;
let submit: ReturnType<typeof makeSubmitFormHandler>;
let tracking: DynamoTracking;
let calls = 0;
const START = new Date('2026-11-25T12:00:00.000Z');
let now = START;
const clock: Clock = { now: () => now };
const WRITE_KEY = 'test-write-key';

beforeAll(async () => {
  table = await createTestTable();
  onEveryCall(table.documentClient, () => calls++);
  tracking = new DynamoTracking(table.documentClient, table.tableName);
  track = makeTrackHandler({ tracking, writeKey: async () => WRITE_KEY, clock, logger: memoryLogger(), isDisposable: disposableDomains() });
  submit = makeSubmitFormHandler({
    forms,
    intake: new DynamoIntake(table.documentClient, table.tableName),
    clock,
    logger: memoryLogger(),
    signer: new Signer(async () => 'test-signing-key-0123456789'),
    captcha: { verify: async () => true },
    isDisposable: disposableDomains(),
    publicUrl: 'https://forms.example.com',
    mergeAnonymous: (id) => tracking.mergeAnonymous(id).then(() => undefined),
  });
});

let sequence = 0;
const unique = (prefix: string) => `${prefix}-${Date.now()}-${sequence++}`;
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

const call = (type: string, body: unknown, headers: Record<string, string> = { authorization: basic(WRITE_KEY) }) =>
  track(
    httpEvent({
      routeKey: 'POST /v1/{type}',
      path: `/v1/${type}`,
      pathParameters: { type },
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
    lambdaContext(),
  );

async function identify(email: string, extra: Record<string, unknown> = {}) {
  const result = await call('identify', { userId: unique('user'), traits: { email }, ...extra });
  expect(result.statusCode).toBe(200);
  const [claim] = await table.partition(keys.email(email).PK);
  return String(claim?.contactId);
}

async function timeline(contactId: string) {
  const items = await table.partition(keys.profile(contactId).PK);
  return {
    profile: items.find((item) => item.SK === 'PROFILE'),
    events: items.filter((item) => String(item.SK).startsWith('EVENT#')),
  };
}

describe('write key', () => {
  it('answers 401 without a write key or with a wrong one, and accepts it in the body as analytics.js sends it', async () => {
    const message = { userId: 'u', event: 'x' };

    expect((await call('track', message, {})).statusCode).toBe(401);
    expect((await call('track', message, { authorization: basic('wrong') })).statusCode).toBe(401);
    expect((await call('track', message, { authorization: 'Bearer test-write-key' })).statusCode).toBe(401);
    expect((await call('track', { ...message, writeKey: WRITE_KEY }, {})).statusCode).toBe(200);
  });
});

describe('identify', () => {
  it('creates the contact of the email trait and sets its traits as snake_case attributes, with the event', async () => {
    const email = `${unique('id')}@example.com`;

    const contactId = await identify(email, {
      traits: { email, firstName: 'Ada', trial_ends_at: '2026-12-09', time_zone: 'Europe/London', birthday: '1990-05-01', company: { name: 'Acme' }, tags: ['a'] },
    });

    const { profile, events } = await timeline(contactId);
    expect(profile?.attributes).toEqual({
      first_name: 'Ada',
      trial_ends_at: '2026-12-09',
      time_zone: 'Europe/London',
      birthday: '1990-05-01',
      company: 'Acme',
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: EventName.Identified, data: { droppedTraits: 1 } });
  });
});

describe('identify email rules (the same as forms)', () => {
  it('rejects a disposable, over-long or malformed email in the batch result, normalises the rest and flags a role mailbox', async () => {
    const person = unique('Ada.Lovelace');
    const role = `info@${unique('role')}.example.com`;

    const result = await call('batch', {
      batch: [
        { type: 'identify', userId: unique('user'), traits: { email: `${unique('temp')}@mailinator.com` } },
        { type: 'identify', userId: unique('user'), traits: { email: `${'a'.repeat(65)}@example.com` } },
        { type: 'identify', userId: unique('user'), traits: { email: 'ada@@example.com' } },
        { type: 'identify', userId: unique('user'), traits: { email: ` ${person}@Example.COM ` } },
        { type: 'identify', userId: unique('user'), traits: { email: role } },
      ],
    });

    expect(bodyOf(result)).toMatchObject({
      stored: 2,
      rejected: [
        { index: 0, error: 'traits.email: must be a permanent address, not a disposable mailbox' },
        { index: 1, error: 'traits.email: must have at most 64 characters before the @' },
        { index: 2, error: 'traits.email: must be a valid email address' },
      ],
    });
    const [claim] = await table.partition(keys.email(`${person.toLowerCase()}@example.com`).PK);
    const { profile } = await timeline(String(claim?.contactId));
    expect(profile).toMatchObject({ email: `${person.toLowerCase()}@example.com` });
    expect(profile?.emailRole).toBeUndefined();
    const [roleClaim] = await table.partition(keys.email(role).PK);
    expect((await timeline(String(roleClaim?.contactId))).profile?.emailRole).toBe(true);
  });

  it('answers a single identify with a disposable email 400, storing nothing', async () => {
    const email = `${unique('temp')}@x.mailinator.com`;

    const result = await call('identify', { userId: unique('user'), traits: { email } });

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({ message: 'traits.email: must be a permanent address, not a disposable mailbox' });
    expect(await table.partition(keys.email(email).PK)).toEqual([]);
  });
});

describe('track and page', () => {
  it('puts a known user\'s events on their timeline as event.tracked and page.viewed', async () => {
    const email = `${unique('known')}@example.com`;
    const userId = unique('user');
    await call('identify', { userId, traits: { email } });
    const contactId = (await table.partition(keys.email(email).PK))[0]!.contactId as string;

    await call('track', { userId, event: 'checkout_started', properties: { cart_value: 120 } });
    await call('page', { userId, name: 'Pricing', properties: { url: 'https://www.example.com/pricing', title: 'Pricing' } });

    const { events } = await timeline(contactId);
    expect(events.map((e) => e.type).sort()).toEqual([EventName.Identified, EventName.PageViewed, EventName.Tracked].sort());
    expect(events.find((e) => e.type === EventName.Tracked)?.data).toEqual({
      event: 'checkout_started',
      properties: { cart_value: 120 },
      source: 'track',
    });
  });

  it('stores properties and traits named like prototype keys without failing the call (they are dropped)', async () => {
    const email = `${unique('proto')}@example.com`;
    const userId = unique('user');
    const identified = await call('identify', { userId, traits: { email, constructor: 'x', plan: 'pro' } });
    expect(identified.statusCode).toBe(200);
    const contactId = (await table.partition(keys.email(email).PK))[0]!.contactId as string;

    const tracked = await call('batch', {
      batch: [
        { type: 'track', userId, event: 'checkout_started', properties: { constructor: { name: 'Set' }, cart: { constructor: 1, value: 3 } } },
        { type: 'track', anonymousId: ' ', event: 'checkout_started', properties: { constructor: 1 } },
      ],
    });

    expect(tracked.statusCode).toBeLessThan(500);
    const { profile, events } = await timeline(contactId);
    expect(profile?.attributes).toMatchObject({ plan: 'pro' });
    expect(profile?.attributes).not.toHaveProperty('constructor');
    expect(events.find((e) => e.type === EventName.Tracked)?.data).toMatchObject({ properties: { cart: { value: 3 } } });
  });

  it('stores a message once however often it is delivered (messageId)', async () => {
    const email = `${unique('dedupe')}@example.com`;
    const userId = unique('user');
    await call('identify', { userId, traits: { email } });
    const contactId = (await table.partition(keys.email(email).PK))[0]!.contactId as string;
    const message = { userId, event: 'order_completed', messageId: unique('m'), timestamp: '2026-11-25T11:59:00.000Z' };

    await call('track', message);
    await call('track', { ...message, sentAt: '2026-11-25T11:59:30.000Z' });
    await call('batch', { batch: [{ ...message, type: 'track' }] });

    expect((await timeline(contactId)).events.filter((e) => e.type === EventName.Tracked)).toHaveLength(1);
  });

  it('stores a message without a timestamp once when its retry arrives a second later (messageId)', async () => {
    const email = `${unique('untimed')}@example.com`;
    const userId = unique('user');
    await call('identify', { userId, traits: { email } });
    const contactId = (await table.partition(keys.email(email).PK))[0]!.contactId as string;
    const known = { userId, event: 'trial_started', messageId: unique('m') };
    const anonymousId = unique('anon');
    const anonymous = { anonymousId, event: 'pricing_viewed', messageId: unique('m') };

    try {
      await call('batch', { batch: [{ ...known, type: 'track' }, { ...anonymous, type: 'track' }] });
      now = new Date(START.getTime() + 1_000);
      await call('track', known);
      await call('track', anonymous);
      now = new Date(START.getTime() + 2_000);
      await call('batch', { batch: [{ ...known, type: 'track' }, { ...known, type: 'track' }] });
    } finally {
      now = START;
    }

    const tracked = (await timeline(contactId)).events.filter((e) => e.type === EventName.Tracked);
    expect(tracked).toHaveLength(1);
    expect((await table.partition(`ANON#${anonymousId}`)).filter((item) => String(item.SK).startsWith('AEVENT#'))).toHaveLength(1);
  });

  it('stores no control, bidi or lone-surrogate character from a message: context, event name, properties and traits', async () => {
    const email = `${unique('clean')}@example.com`;
    const userId = unique('user');
    await call('identify', { userId, traits: { email, plan: 'pro\u0085fessional\ud800' } });
    const contactId = (await table.partition(keys.email(email).PK))[0]!.contactId as string;

    const result = await call('track', {
      userId,
      event: 'checkout\u2028started',
      properties: { 'no\u0000te': 'line one\u2029line two\u202e', nested: { ok: '\udfffyes' } },
      context: { userAgent: 'Mozilla/5.0 \u202Egpj.exe', locale: 'en\u0085GB' },
    });

    expect(result.statusCode).toBe(200);
    const { profile, events } = await timeline(contactId);
    expect(profile?.attributes).toMatchObject({ plan: 'pro fessional' });
    const tracked = events.find((e) => e.type === EventName.Tracked)?.data as Record<string, unknown>;
    expect(tracked).toMatchObject({
      event: 'checkout started',
      properties: { note: 'line one\nline two', nested: { ok: 'yes' } },
      context: { userAgent: 'Mozilla/5.0 gpj.exe', locale: 'en GB' },
    });
  });

  it('refuses a message whose ids carry control characters, rather than storing another id', async () => {
    const result = await call('track', { anonymousId: 'anon\u0000-1', event: 'x' });

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({ error: 'invalid_message', message: expect.stringMatching(/^anonymousId/) });
  });

  it('keeps the context reports use (page, referrer, campaign, user agent, IP, locale), capped, and drops the rest', async () => {
    const email = `${unique('context')}@example.com`;
    const userId = unique('user');
    await call('identify', { userId, traits: { email } });
    const contactId = (await table.partition(keys.email(email).PK))[0]!.contactId as string;

    await call('batch', {
      context: { locale: 'en-GB', library: { name: 'analytics.js' } },
      batch: [
        {
          type: 'track',
          userId,
          event: 'checkout_started',
          context: {
            page: { url: 'https://www.example.com/pricing?utm_source=ads', path: '/pricing', referrer: 'https://www.google.com/', title: 'x'.repeat(900) },
            campaign: { name: 'bf-2026', source: 'ads', medium: 'cpc', extra: 'dropped' },
            referrer: { type: 'google', id: 7 },
            userAgent: 'Mozilla/5.0',
            ip: '203.0.113.7',
            device: { id: 'dropped' },
            traits: { email },
          },
        },
      ],
    });

    const event = (await timeline(contactId)).events.find((e) => e.type === EventName.Tracked);
    expect((event?.data as { context?: unknown }).context).toEqual({
      page: { url: 'https://www.example.com/pricing?utm_source=ads', path: '/pricing', referrer: 'https://www.google.com/', title: 'x'.repeat(500) },
      campaign: { name: 'bf-2026', source: 'ads', medium: 'cpc' },
      referrer: { type: 'google' },
      userAgent: 'Mozilla/5.0',
      ip: '203.0.113.7',
      locale: 'en-GB',
    });
  });

  it('corrects the client clock with sentAt, like Segment', async () => {
    const email = `${unique('skew')}@example.com`;
    const userId = unique('user');
    await call('identify', { userId, traits: { email } });
    const contactId = (await table.partition(keys.email(email).PK))[0]!.contactId as string;

    // The client's clock is an hour fast: it says it sent at 13:00 what happened at 12:59; we received it at 12:00.
    await call('track', { userId, event: 'demo_booked', timestamp: '2026-11-25T12:59:00.000Z', sentAt: '2026-11-25T13:00:00.000Z' });

    const event = (await timeline(contactId)).events.find((e) => e.type === EventName.Tracked);
    expect(event?.occurredAt).toBe('2026-11-25T11:59:00.000Z');
  });
});

describe('anonymous activity', () => {
  it('keeps it under the anonymous id and merges it into the contact when an identify links the id', async () => {
    const anonymousId = unique('anon');
    await call('page', { anonymousId, properties: { url: 'https://www.example.com/pricing' } });
    await call('track', { anonymousId, event: 'checkout_started', messageId: unique('m') });
    const email = `${unique('merge')}@example.com`;

    const contactId = await identify(email, { anonymousId, traits: { email } });

    const { events, profile } = await timeline(contactId);
    expect(events.map((e) => e.type).sort()).toEqual([EventName.Identified, EventName.PageViewed, EventName.Tracked].sort());
    expect(profile?.anonymousIds).toEqual([anonymousId]);
    expect((await table.partition(`ANON#${anonymousId}`)).map((item) => item.SK)).toEqual(['LINK']);
    // Later anonymous activity goes straight to the contact.
    await call('track', { anonymousId, event: 'order_completed' });
    expect((await timeline(contactId)).events).toHaveLength(4);
  });

  it('merges when a form post carries the anonymous id', async () => {
    const anonymousId = unique('anon');
    await call('track', { anonymousId, event: 'pricing_viewed' });
    const email = `${unique('form')}@example.com`;

    const posted = await submit(
      httpEvent({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, first_name: 'Anon', anonymous_id: anonymousId }) }),
      lambdaContext(),
    );

    const { events } = await timeline(String(bodyOf(posted).contactId));
    expect(events.map((e) => e.type).sort()).toEqual([EventName.FormSubmitted, EventName.Tracked].sort());
  });

  it('skips the merge, and the link write, when a form post\'s anonymous id is already linked to the contact and merged', async () => {
    const anonymousId = unique('anon');
    await call('track', { anonymousId, event: 'pricing_viewed' });
    const email = `${unique('again')}@example.com`;
    // Two different posts: the same post again within minutes would be the same submission (docs/forms.md).
    const post = (firstName: string) =>
      submit(
        httpEvent({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, first_name: firstName, anonymous_id: anonymousId }) }),
        lambdaContext(),
      );
    await post('Ann');

    calls = 0;
    const again = await post('Annie');

    expect(again.statusCode).toBe(200);
    expect(calls).toBe(2); // one consistent BatchGetItem (claim + link), one transaction
    const { events } = await timeline(String(bodyOf(again).contactId));
    expect(events.map((e) => e.type).sort()).toEqual([EventName.FormSubmitted, EventName.FormSubmitted, EventName.Tracked].sort());
  });

  it('still merges when the anonymous id is linked to the contact but was never merged', async () => {
    const anonymousId = unique('anon');
    const email = `${unique('unmerged')}@example.com`;
    const contactId = await identify(email);
    await table.documentClient.send(
      new PutCommand({ TableName: table.tableName, Item: { PK: `ANON#${anonymousId}`, SK: 'LINK', contactId, linkedAt: now.toISOString() } }),
    );
    await table.documentClient.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { PK: `ANON#${anonymousId}`, SK: 'AEVENT#01JCZ3K7Q8M9N0P1R2S3T4V5W6', eventId: '01JCZ3K7Q8M9N0P1R2S3T4V5W6', type: EventName.Tracked, occurredAt: now.toISOString(), data: { event: 'left_behind', properties: {} } },
      }),
    );

    await submit(
      httpEvent({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, first_name: 'Una', anonymous_id: anonymousId }) }),
      lambdaContext(),
    );

    const tracked = (await timeline(contactId)).events.filter((e) => e.type === EventName.Tracked);
    expect(tracked.map((e) => (e.data as { event: string }).event)).toEqual(['left_behind']);
    expect((await table.partition(`ANON#${anonymousId}`)).find((item) => item.SK === 'LINK')?.mergedAt).toBeDefined();
  });

  it('brings along events of a user id nobody identified when a form post links only their anonymous id', async () => {
    const anonymousId = unique('anon');
    const userId = unique('user');
    await call('track', { userId, anonymousId, event: 'signed_up' });
    const email = `${unique('userpending')}@example.com`;

    const posted = await submit(
      httpEvent({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, first_name: 'Uma', anonymous_id: anonymousId }) }),
      lambdaContext(),
    );

    const { events } = await timeline(String(bodyOf(posted).contactId));
    expect(events.map((e) => e.type).sort()).toEqual([EventName.FormSubmitted, EventName.Tracked].sort());
    expect((await table.partition(`USER#${userId}`)).filter((item) => String(item.SK).startsWith('AEVENT#'))).toEqual([]);
    expect((await table.partition(`ANON#${anonymousId}`)).filter((item) => String(item.SK).startsWith('AEVENT#'))).toEqual([]);
  });

  it('lets a form post record consent on a contact first created by identify (a profile without consents yet)', async () => {
    const email = `${unique('consent')}@example.com`;
    const contactId = await identify(email, { traits: { email, plan: 'trial' } });

    const posted = await submit(
      httpEvent({
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, first_name: 'Con', marketing_consent: true }),
      }),
      lambdaContext(),
    );

    expect(posted.statusCode).toBe(200);
    const { profile } = await timeline(contactId);
    expect(profile?.consents).toMatchObject({ marketing: { textVersion: 'marketing-2026-11', formId: 'demo-request' } });
    expect(profile?.attributes).toMatchObject({ plan: 'trial', first_name: 'Con' });
  });

  it('is merged once, however many identifies race for it, with events arriving meanwhile', async () => {
    const anonymousId = unique('anon');
    for (let i = 0; i < 5; i++) await call('track', { anonymousId, event: `step_${i}`, messageId: `${anonymousId}-${i}` });
    const email = `${unique('race')}@example.com`;

    await Promise.all([
      ...Array.from({ length: 4 }, () => call('identify', { anonymousId, traits: { email } })),
      ...Array.from({ length: 5 }, (_, i) => call('track', { anonymousId, event: `late_${i}` })),
    ]);

    const contactId = (await table.partition(keys.email(email).PK))[0]!.contactId as string;
    const tracked = (await timeline(contactId)).events.filter((e) => e.type === EventName.Tracked);
    expect(tracked).toHaveLength(10);
    expect((await table.partition(`ANON#${anonymousId}`)).filter((item) => item.SK !== 'LINK')).toEqual([]);
  });
});

describe('batch', () => {
  it('stores the good messages and reports each bad one without failing the batch', async () => {
    const email = `${unique('batch')}@example.com`;
    const userId = unique('user');
    await call('identify', { userId, traits: { email } });

    const result = await call('batch', {
      batch: [
        { type: 'track', userId, event: 'webinar_attended' },
        { type: 'track', userId },
        { type: 'launch', userId },
        { type: 'page', anonymousId: 'a', properties: {} },
        { type: 'track', event: 'nobody' },
        { type: 'group', userId, groupId: 'g' },
        { type: 'page', userId, properties: { url: 'https://www.example.com/' } },
      ],
    });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({
      success: true,
      stored: 2,
      pending: 0,
      ignored: 1,
      rejected: [
        { index: 1, error: 'event: Invalid input: expected string, received undefined' },
        { index: 2, error: 'type: must be track, identify or page' },
        { index: 3, error: 'properties.url: a page view needs its URL' },
        { index: 4, error: 'userId or anonymousId is required' },
      ],
    });
  });

  it('costs one read of the links and one write per 25 events for a batch of 100 known events', async () => {
    const email = `${unique('calls')}@example.com`;
    const userId = unique('user');
    await call('identify', { userId, traits: { email } });

    calls = 0;
    const result = await call('batch', { batch: Array.from({ length: 100 }, (_, i) => ({ type: 'track', userId, event: `e${i}` })) });

    expect(bodyOf(result)).toMatchObject({ stored: 100 });
    expect(calls).toBe(5);
  });

  it('refuses more than 100 messages or more than 500 KB, and malformed JSON', async () => {
    const tooMany = await call('batch', { batch: Array.from({ length: 101 }, () => ({ type: 'track', userId: 'u', event: 'e' })) });
    const tooBig = await call('batch', { batch: [{ type: 'track', userId: 'u', event: 'e', properties: { x: 'y'.repeat(520_000) } }] });
    const malformed = await call('batch', '{"batch": [');

    expect(tooMany.statusCode).toBe(413);
    expect(tooBig.statusCode).toBe(413);
    expect(malformed.statusCode).toBe(400);
  });
});
