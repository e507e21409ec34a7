import { beforeAll, describe, expect, it } from 'vitest';
import { ContactContended } from '../../functions/contacts/contacts';
import { disposableDomains } from '../../functions/forms/disposable-domains';
import { DynamoIntake } from '../../functions/forms/dynamo-intake';
import { forms } from '../../functions/forms/forms';
import { Signer } from '../../functions/forms/signing';
import { makeSubmitFormHandler, MAX_FORM_BYTES } from '../../functions/forms/submit-form';
import { EventName } from '../../functions/shared/events';
import type { Clock } from '../../functions/shared/ids';
import { keys } from '../../functions/shared/keys';
import { bodyOf, httpEvent, lambdaContext, memoryLogger, type EventOverrides } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

let table: TestTable;
let submit: ReturnType<typeof makeSubmitFormHandler>;
let logger: ReturnType<typeof memoryLogger>;
let now = new Date('2026-11-23T10:00:00.000Z');
const clock: Clock = { now: () => now };

beforeAll(async () => {
  table = await createTestTable();
  logger = memoryLogger();
  submit = makeSubmitFormHandler({
    forms,
    intake: new DynamoIntake(table.documentClient, table.tableName),
    clock,
    logger,
    signer: new Signer(async () => 'test-signing-key-0123456789'),
    captcha: { verify: async () => true },
    isDisposable: disposableDomains(),
    publicUrl: 'https://forms.example.com',
  });
});

let sequence = 0;
const uniqueEmail = () => `lead-${Date.now()}-${sequence++}@example.com`;

const post = (overrides: EventOverrides) => submit(httpEvent(overrides), lambdaContext());

const browserPost = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  post({
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      origin: 'https://forms.example.com',
      referer: 'https://www.example.com/black-friday',
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
  });

const jsonPost = (body: unknown, headers: Record<string, string> = {}) =>
  post({ headers: { 'content-type': 'application/json', accept: '*/*', ...headers }, body: JSON.stringify(body) });

async function contactByEmail(email: string) {
  const [claim] = await table.partition(keys.email(email.toLowerCase()).PK);
  if (!claim) return undefined;
  const items = await table.partition(keys.profile(claim.contactId as string).PK);
  return {
    claim,
    profile: items.find((item) => item.SK === 'PROFILE'),
    events: items.filter((item) => String(item.SK).startsWith('EVENT#')),
  };
}

describe('POST /forms/{formId}', () => {
  it('redirects a browser form post to the thank-you page and stores the contact with its event', async () => {
    // Prepare
    const email = uniqueEmail();

    // Act
    const result = await browserPost({
      email,
      first_name: 'Ada',
      last_name: 'Lovelace',
      company: 'Analytical Engines',
      job_title: 'CTO',
      budget: '4,500',
      utm_source: 'google',
      utm_campaign: 'black-friday',
    });

    // Assess
    expect(result.statusCode).toBe(303);
    // The page's origin is the API's own here (same-origin post); a Referer never picks the redirect's host.
    expect(result.headers.location).toBe('https://forms.example.com/thank-you');
    const stored = await contactByEmail(email);
    expect(stored?.profile).toMatchObject({
      email,
      attributes: { first_name: 'Ada', last_name: 'Lovelace', company: 'Analytical Engines', job_title: 'CTO', budget: 4500 },
      firstTouch: { formId: 'demo-request', utm: { utm_source: 'google', utm_campaign: 'black-friday' } },
    });
    expect(stored?.events).toHaveLength(1);
    expect(stored?.events[0]).toMatchObject({
      type: EventName.FormSubmitted,
      contactId: stored?.claim.contactId,
      data: {
        formId: 'demo-request',
        fields: { email, first_name: 'Ada', budget: 4500 },
        utm: { utm_source: 'google', utm_campaign: 'black-friday' },
        referrer: 'https://www.example.com/black-friday',
        ip: '203.0.113.7',
        userAgent: expect.stringContaining('Chrome'),
      },
    });
  });

  it('answers a JSON post with 201 for a new contact and 200 with the same id for a known one', async () => {
    const email = uniqueEmail();

    const first = await jsonPost({ email, first_name: 'Grace' });
    const second = await jsonPost({ email: `  ${email.toUpperCase()} `, first_name: 'Grace' });

    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect(bodyOf(second).contactId).toBe(bodyOf(first).contactId);
    expect((await contactByEmail(email))?.events).toHaveLength(2);
  });

  it('accepts multipart/form-data fields the way a fetch(FormData) sends them', async () => {
    const email = uniqueEmail();
    const form = new FormData();
    form.set('email', email);
    form.set('first_name', 'Katherine');
    form.set('budget', '12000');
    const request = new Request('https://x.test', { method: 'POST', body: form });
    const body = Buffer.from(await request.arrayBuffer()).toString('base64');

    const result = await post({
      headers: { 'content-type': request.headers.get('content-type')!, accept: '*/*' },
      body,
      isBase64Encoded: true,
    });

    expect(result.statusCode).toBe(201);
    expect((await contactByEmail(email))?.profile?.attributes).toEqual({ first_name: 'Katherine', budget: 12000 });
  });

  it('never erases an earlier answer with a later blank, and keeps the first touch while updating the last', async () => {
    const email = uniqueEmail();
    await jsonPost({ email, first_name: 'Margaret', company: 'MIT', utm_source: 'google', utm_campaign: 'launch' });
    now = new Date('2026-11-24T10:00:00.000Z');

    await jsonPost({ email, first_name: 'Maggie', company: '   ', job_title: 'Director', utm_source: 'newsletter' });
    await jsonPost({ email, first_name: 'Maggie' }); // a direct visit: no campaign parameters

    const profile = (await contactByEmail(email))?.profile;
    expect(profile?.attributes).toEqual({ first_name: 'Maggie', company: 'MIT', job_title: 'Director' });
    expect(profile?.firstTouch).toMatchObject({ utm: { utm_source: 'google', utm_campaign: 'launch' } });
    expect(profile?.lastTouch).toMatchObject({ utm: { utm_source: 'newsletter' }, at: '2026-11-24T10:00:00.000Z' });
    expect(profile?.createdAt).not.toBe(profile?.updatedAt);
  });

  it('takes UTM parameters from the query string when the form has no hidden UTM fields', async () => {
    const email = uniqueEmail();

    await post({
      headers: { 'content-type': 'application/json' },
      query: { utm_source: 'linkedin', utm_medium: 'social' },
      body: JSON.stringify({ email, first_name: 'Hedy' }),
    });

    expect((await contactByEmail(email))?.profile?.firstTouch).toMatchObject({
      utm: { utm_source: 'linkedin', utm_medium: 'social' },
    });
  });

  it('creates exactly one contact and 20 events from 20 concurrent posts of the same email', async () => {
    const email = uniqueEmail();

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => jsonPost({ email, first_name: `Racer ${i}` })),
    );

    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(19);
    expect(new Set(results.map((r) => bodyOf(r).contactId)).size).toBe(1);
    const all = await table.scan();
    const contactId = bodyOf(results[0]!).contactId as string;
    expect(all.filter((item) => item.SK === 'PROFILE' && item.email === email)).toHaveLength(1);
    expect(all.filter((item) => item.PK === `CONTACT#${contactId}` && String(item.SK).startsWith('EVENT#'))).toHaveLength(20);
  });

  it('silently drops a post whose honeypot field is filled, answering as if it succeeded', async () => {
    const email = uniqueEmail();

    const result = await browserPost({ email, first_name: 'Bot', website: 'http://spam.example' });

    expect(result.statusCode).toBe(303);
    expect(await contactByEmail(email)).toBeUndefined();
  });

  it('logs contact and form ids but never the email or the form body', async () => {
    const email = uniqueEmail();

    const result = await jsonPost({ email, first_name: 'Private' });

    const line = logger.lines.find((l) => l.fields?.contactId === bodyOf(result).contactId);
    expect(line).toMatchObject({ message: 'request', fields: { formId: 'demo-request', status: 201, created: true } });
    const logged = JSON.stringify(logger.lines);
    expect(logged).not.toContain(email);
    expect(logged).not.toContain('Private');
  });
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin', async () => {
    const result = await post({
      routeKey: 'OPTIONS /forms/{formId}',
      headers: { origin: 'http://localhost:3000', 'access-control-request-headers': 'content-type' },
    });

    expect(result.statusCode).toBe(204);
    expect(result.headers).toMatchObject({
      'access-control-allow-origin': 'http://localhost:3000',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'content-type',
    });
  });

  it('lets an allowed origin read both successes and errors', async () => {
    const ok = await jsonPost({ email: uniqueEmail(), first_name: 'Cors' }, { origin: 'http://localhost:3000' });
    const bad = await jsonPost({ email: 'nope' }, { origin: 'http://localhost:3000' });

    expect(ok.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(bad.statusCode).toBe(422);
    expect(bad.headers['access-control-allow-origin']).toBe('http://localhost:3000');
  });

  it('refuses a post from an origin the form does not allow, storing nothing', async () => {
    const email = uniqueEmail();

    const result = await jsonPost({ email, first_name: 'Mallory' }, { origin: 'https://evil.example' });

    expect(result.statusCode).toBe(403);
    expect(bodyOf(result)).toMatchObject({ error: 'origin_not_allowed' });
    expect(result.headers['access-control-allow-origin']).toBeUndefined();
    expect(await contactByEmail(email)).toBeUndefined();
  });
});

describe('bad input gets a clear 4xx and stores nothing', () => {
  it('answers 404 JSON for an unknown form', async () => {
    const result = await post({
      pathParameters: { formId: 'no-such-form' },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: uniqueEmail() }),
    });

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ error: 'not_found', message: 'There is no form "no-such-form"' });
  });

  it('answers 422 with an error per field for missing and invalid fields', async () => {
    const result = await jsonPost({ email: 'not-an-email', budget: 'lots', first_name: '' });

    expect(result.statusCode).toBe(422);
    expect(bodyOf(result)).toEqual({
      error: 'validation_failed',
      message: 'Some fields are missing or invalid',
      errors: [
        { field: 'email', message: 'must be a valid email address' },
        { field: 'first_name', message: 'is required' },
        { field: 'budget', message: 'must be a number' },
      ],
    });
  });

  it('shows a browser a readable HTML page listing what to fix', async () => {
    const result = await browserPost({ email: '', first_name: 'Ann' });

    expect(result.statusCode).toBe(422);
    expect(result.headers['content-type']).toContain('text/html');
    expect(result.body).toContain('<strong>email</strong>: is required');
    expect(result.body).toContain('href="https://www.example.com/black-friday"');
  });

  it('answers 413 for a body over 64 KB', async () => {
    const email = uniqueEmail();

    const result = await jsonPost({ email, first_name: 'Big', company: 'x'.repeat(MAX_FORM_BYTES) });

    expect(result.statusCode).toBe(413);
    expect(bodyOf(result)).toMatchObject({ error: 'payload_too_large' });
    expect(await contactByEmail(email)).toBeUndefined();
  });

  it('answers 415 for a content type it does not accept', async () => {
    const result = await post({ headers: { 'content-type': 'text/plain' }, body: 'email=a@b.co' });

    expect(result.statusCode).toBe(415);
    expect(bodyOf(result)).toMatchObject({ error: 'unsupported_media_type' });
  });

  it('answers 400 for malformed JSON', async () => {
    const result = await post({ headers: { 'content-type': 'application/json' }, body: '{"email": "a@b.co",' });

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({ error: 'malformed_json' });
  });

  it('answers 400 for a JSON body that is not an object', async () => {
    const result = await post({ headers: { 'content-type': 'application/json' }, body: '["a@b.co"]' });

    expect(result.statusCode).toBe(400);
  });

  it('stores nothing at all for any rejected post', async () => {
    const before = (await table.scan()).length;

    await jsonPost({ email: 'broken' });
    await post({ headers: { 'content-type': 'application/json' }, body: '{' });
    await post({ headers: { 'content-type': 'text/csv' }, body: 'a,b' });
    await jsonPost({ email: uniqueEmail(), first_name: 'x'.repeat(101) });

    expect((await table.scan()).length).toBe(before);
  });
});

describe('server faults', () => {
  const failing = (error: Error) =>
    makeSubmitFormHandler({
      forms,
      clock,
      logger: memoryLogger(),
      signer: new Signer(async () => 'test-signing-key-0123456789'),
      captcha: { verify: async () => true },
      isDisposable: () => false,
      publicUrl: 'https://forms.example.com',
      intake: {
        record: async () => {
          throw error;
        },
        countBot: async () => undefined,
        profile: async () => undefined,
      },
    });
  const event = () =>
    httpEvent({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@example.com', first_name: 'A' }) });

  it('answers 503 asking for a retry when the contact stays contended', async () => {
    const result = await failing(new ContactContended('gave up'))(event(), lambdaContext());

    expect(result.statusCode).toBe(503);
    expect(bodyOf(result)).toMatchObject({ error: 'busy' });
  });

  it('fails the invocation loudly on anything unexpected, so API Gateway answers 500 and the error is counted', async () => {
    await expect(failing(new Error('DynamoDB is down'))(event(), lambdaContext())).rejects.toThrow('DynamoDB is down');
  });
});
