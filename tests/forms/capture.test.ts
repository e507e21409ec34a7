import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpCaptchaVerifier } from '../../functions/forms/captcha';
import { disposableDomains } from '../../functions/forms/disposable-domains';
import { loadForms } from '../../functions/forms/domain/form-definition';
import { DynamoIntake } from '../../functions/forms/dynamo-intake';
import { embedSource } from '../../functions/forms/embed/embed-source';
import { forms as shippedForms } from '../../functions/forms/forms';
import { Signer } from '../../functions/forms/signing';
import { makeSubmitFormHandler } from '../../functions/forms/submit-form';
import { EventName } from '../../functions/shared/events';
import type { Clock } from '../../functions/shared/ids';
import { keys } from '../../functions/shared/keys';
import { bodyOf, httpEvent, lambdaContext, memoryLogger, type EventOverrides } from '../support/http';
import { createTestTable, onEveryCall, type TestTable } from '../support/table';

/** Forms that exercise every option; the shipped ones are included so their rules are tested too. */
const testForms = new Map([
  ...shippedForms,
  ...loadForms({
    'b2b.json': {
      id: 'b2b',
      name: 'Every option',
      fields: [
        { name: 'email', type: 'email', label: 'Work email', required: true },
        { name: 'name', type: 'text', label: 'Name' },
        { name: 'about', type: 'textarea', label: 'About' },
        { name: 'phone', type: 'phone', label: 'Phone', defaultCountry: 'GB' },
        { name: 'start', type: 'date', label: 'Start', min: '2026-01-01' },
        { name: 'country', type: 'country', label: 'Country' },
        { name: 'plan', type: 'radio', label: 'Plan', options: ['starter', 'pro'] },
        { name: 'interests', type: 'multiselect', label: 'Interests', options: ['email', 'sms', 'ads'] },
        { name: 'terms', type: 'consent', label: 'I agree', textVersion: 'tos-3', purpose: 'terms', required: true },
      ],
      allowedOrigins: ['https://www.example.com'],
      redirectUrl: '/thanks',
      honeypot: 'website',
      rejectFreeMail: true,
      requireRenderToken: true,
      minFillSeconds: 3,
      progressiveFields: ['name', 'phone'],
    },
    'captcha.json': {
      id: 'captcha',
      name: 'Captcha',
      fields: [{ name: 'email', type: 'email', label: 'Email', required: true }],
      redirectUrl: '/thanks',
      captcha: { provider: 'turnstile', siteKey: '1x00000000000000000000AA' },
    },
  }),
]);

let table: TestTable;
let submit: ReturnType<typeof makeSubmitFormHandler>;
let calls = 0;
let now = new Date('2026-11-23T10:00:00.000Z');
const clock: Clock = { now: () => now };
const signer = new Signer(async () => 'test-signing-key-0123456789');

/** A local fake of the captcha providers' siteverify endpoint: the response "pass" passes. */
let fakeVerify: Server;
let verifyUrl: string;

beforeAll(async () => {
  table = await createTestTable();
  onEveryCall(table.documentClient, () => calls++);
  fakeVerify = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: form.get('secret') === 'captcha-secret' && form.get('response') === 'pass' }));
    });
  });
  await new Promise<void>((resolve) => fakeVerify.listen(0, '127.0.0.1', resolve));
  verifyUrl = `http://127.0.0.1:${(fakeVerify.address() as AddressInfo).port}/siteverify`;
  submit = makeSubmitFormHandler({
    forms: testForms,
    intake: new DynamoIntake(table.documentClient, table.tableName),
    clock,
    logger: memoryLogger(),
    signer,
    captcha: httpCaptchaVerifier({
      secrets: { turnstile: async () => 'captcha-secret' },
      endpoints: { turnstile: verifyUrl },
      logger: memoryLogger(),
    }),
    isDisposable: disposableDomains(),
    publicUrl: 'https://forms.example.com',
  });
});

afterAll(() => new Promise<void>((resolve) => fakeVerify.close(() => resolve())));

let sequence = 0;
const uniqueEmail = (domain = 'example.com') => `lead-${Date.now()}-${sequence++}@${domain}`;
const post = (formId: string, overrides: EventOverrides) =>
  submit(httpEvent({ pathParameters: { formId }, path: `/forms/${formId}`, ...overrides }), lambdaContext());
const jsonPost = (body: unknown, headers: Record<string, string> = {}, formId = 'demo-request') =>
  post(formId, { headers: { 'content-type': 'application/json', accept: '*/*', ...headers }, body: JSON.stringify(body) });
const browserPost = (fields: Record<string, string>, headers: Record<string, string> = {}, formId = 'demo-request') =>
  post(formId, {
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html,application/xhtml+xml',
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
  });
const renderToken = async (formId: string, secondsAgo: number) =>
  signer.renderToken(formId, new Date(now.getTime() - secondsAgo * 1_000));

async function stored(email: string) {
  const [claim] = await table.partition(keys.email(email).PK);
  if (!claim) return undefined;
  const items = await table.partition(keys.profile(claim.contactId as string).PK);
  return {
    profile: items.find((item) => item.SK === 'PROFILE'),
    events: items.filter((item) => String(item.SK).startsWith('EVENT#')),
  };
}

async function botCount(reason: string): Promise<number> {
  const items = await table.scan();
  return items
    .filter((item) => String(item.PK).startsWith(`METRIC#forms.bots_refused.${reason}#`))
    .reduce((sum, item) => sum + Number(item.count), 0);
}

describe('defects found by trying the form as a new user', () => {
  it('answers a filled honeypot exactly like a first post by a person (201 with ids), storing only a counter', async () => {
    const email = uniqueEmail();
    const before = await botCount('honeypot');

    const bot = await jsonPost({ email, first_name: 'Bot', website: 'http://spam.example' });
    const person = await jsonPost({ email: uniqueEmail(), first_name: 'Person' });

    expect(bot.statusCode).toBe(person.statusCode);
    expect(Object.keys(bodyOf(bot)).sort()).toEqual(Object.keys(bodyOf(person)).sort());
    expect(bodyOf(bot).contactId).toMatch(/^[0-9A-Z]{26}$/);
    expect(await stored(email)).toBeUndefined();
    expect(await botCount('honeypot')).toBe(before + 1);
  });

  it('never builds the redirect from a Referer the form does not allow', async () => {
    const result = await browserPost(
      { email: uniqueEmail(), first_name: 'Ann' },
      { referer: 'https://evil.example/x' },
    );

    expect(result.statusCode).toBe(303);
    expect(result.headers.location).toBe('https://forms.example.com/thank-you');
  });

  it('redirects to the posting page\'s site when its origin is allowed', async () => {
    const result = await browserPost(
      { email: uniqueEmail(), first_name: 'Ann', terms: 'on', _nurture_token: await renderToken('b2b', 10) },
      { origin: 'https://www.example.com', referer: 'https://www.example.com/pricing' },
      'b2b',
    );

    expect(result.statusCode).toBe(303);
    expect(result.headers.location).toBe('https://www.example.com/thanks');
  });

  it('builds the no-JavaScript redirect from the configured public URL, never from Host or X-Forwarded-Proto', async () => {
    // Act: no Origin or Referer; the headers a client controls name another scheme and host
    const result = await browserPost({ email: uniqueEmail(), first_name: 'Ann' }, { host: 'evil.example', 'x-forwarded-proto': 'javascript' });

    // Assess
    expect(result.statusCode).toBe(303);
    expect(result.headers.location).toBe('https://forms.example.com/thank-you');
  });

  it('refuses an email sent as a one-item JSON array, and any non-text value for a text field', async () => {
    const email = uniqueEmail();

    const array = await jsonPost({ email: [email], first_name: 'Arr' });
    const object = await jsonPost({ email, first_name: { $gt: '' } });

    expect(array.statusCode).toBe(422);
    expect(bodyOf(array).errors).toEqual([{ field: 'email', message: 'must be a single value' }]);
    expect(bodyOf(object).errors).toEqual([{ field: 'first_name', message: 'must be text' }]);
    expect(await stored(email)).toBeUndefined();
  });

  it('refuses a local part over 64 characters (RFC 5321) and accepts one of exactly 64', async () => {
    const long = await jsonPost({ email: `${'a'.repeat(65)}@example.com`, first_name: 'Long' });
    const limit = await jsonPost({ email: `${'b'.repeat(60)}${sequence++}`.slice(0, 64) + '@example.com', first_name: 'Limit' });

    expect(long.statusCode).toBe(422);
    expect(bodyOf(long).errors).toEqual([{ field: 'email', message: 'must have at most 64 characters before the @' }]);
    expect(limit.statusCode).toBe(201);
  });

  it('strips bidi overrides everywhere and turns line breaks in single-line fields into spaces', async () => {
    const email = uniqueEmail();

    await jsonPost({ email, first_name: 'Ada\r\nBcc: x@evil.example', company: 'evil\u202Ecod.exe', job_title: 'CTO\u2066' });

    expect((await stored(email))?.profile?.attributes).toEqual({
      first_name: 'Ada Bcc: x@evil.example',
      company: 'evilcod.exe',
      job_title: 'CTO',
    });
  });

  it('stores no lone surrogate, C1 control or Unicode line separator posted as JSON', async () => {
    const email = uniqueEmail();

    const result = await jsonPost({ email, first_name: 'Ada\ud800', last_name: 'Love\u0085lace', company: 'Analytical\u2028Engines\u2029Ltd', job_title: '\udc00CTO\u009b' });

    expect(result.statusCode).toBe(201);
    expect((await stored(email))?.profile?.attributes).toEqual({
      first_name: 'Ada',
      last_name: 'Love lace',
      company: 'Analytical Engines Ltd',
      job_title: 'CTO',
    });
  });

  it('keys a full-width address as its ASCII form: one contact, not two', async () => {
    const local = `garb${sequence++}`;
    const wide = [...local].map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)).join('');

    const first = await jsonPost({ email: `${local}@example.com`, first_name: 'Narrow' });
    const second = await jsonPost({ email: `${wide}@example.com`, first_name: 'Wide' });

    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect(bodyOf(second).contactId).toBe(bodyOf(first).contactId);
  });
});

describe('email quality', () => {
  it('keys an internationalised domain in punycode, so both spellings are one contact', async () => {
    const local = `idn-${sequence++}`;

    const first = await jsonPost({ email: `${local}@Bücher.example`, first_name: 'Unicode' });
    const second = await jsonPost({ email: `${local}@xn--bcher-kva.example`, first_name: 'Punycode' });

    expect(first.statusCode).toBe(201);
    expect(bodyOf(second).contactId).toBe(bodyOf(first).contactId);
    expect((await stored(`${local}@xn--bcher-kva.example`))?.profile?.email).toBe(`${local}@xn--bcher-kva.example`);
  });

  it('refuses a disposable domain from the maintained list, subdomains included', async () => {
    const direct = await jsonPost({ email: uniqueEmail('mailinator.com'), first_name: 'Temp' });
    const sub = await jsonPost({ email: uniqueEmail('x.mailinator.com'), first_name: 'Temp' });

    expect(bodyOf(direct).errors).toEqual([{ field: 'email', message: 'must be a permanent address, not a disposable mailbox' }]);
    expect(sub.statusCode).toBe(422);
  });

  it('accepts a role address and flags it on the profile', async () => {
    const email = `sales@role-${sequence++}.example.com`;

    const result = await jsonPost({ email, first_name: 'Team' });

    expect(result.statusCode).toBe(201);
    expect((await stored(email))?.profile?.emailRole).toBe(true);
  });

  it('accepts a mistyped address confirmed with a JSON boolean email_confirmed: true', async () => {
    const local = `typo-${sequence++}`;

    const confirmed = await jsonPost({ email: `${local}@gmial.com`, first_name: 'Typo', email_confirmed: true });

    expect(confirmed.statusCode, confirmed.body).toBe(201);
    expect(await stored(`${local}@gmial.com`)).toBeDefined();
  });

  it('suggests a fix for a mistyped common domain, and accepts the address as typed once confirmed', async () => {
    const local = `typo-${sequence++}`;

    const typo = await jsonPost({ email: `${local}@gmial.com`, first_name: 'Typo' });
    const confirmed = await jsonPost({ email: `${local}@gmial.com`, first_name: 'Typo', email_confirmed: 'true' });

    expect(typo.statusCode).toBe(422);
    expect(bodyOf(typo)).toMatchObject({
      error: 'validation_failed',
      suggestion: `${local}@gmail.com`,
      errors: [{ field: 'email', message: `did you mean ${local}@gmail.com?` }],
    });
    expect(confirmed.statusCode).toBe(201);
    expect(await stored(`${local}@gmial.com`)).toBeDefined();
  });

  it('shows a browser the suggestion as one-click buttons that post the same fields again', async () => {
    const result = await browserPost({ email: 'ann@hotmial.com', first_name: 'Ann', budget: '5' });

    expect(result.statusCode).toBe(422);
    expect(result.body).toContain('Did you mean <span id="suggestion">ann@hotmial.com'.replace('hotmial', 'hotmail'));
    expect(result.body).toContain('<input type="hidden" name="email" value="ann@hotmail.com">');
    expect(result.body).toContain('<input type="hidden" name="email_confirmed" value="true">');
    expect(result.body).toContain('<input type="hidden" name="budget" value="5">');
  });

  it('keeps the suggestion on the email error when other fields are invalid too (JSON and the browser page)', async () => {
    const local = `typo-${sequence++}`;

    const answer = await jsonPost({ email: `${local}@gmial.com`, budget: 'a lot' });
    const page = await browserPost({ email: 'bea@hotmial.com', budget: 'a lot' }, { referer: 'http://localhost:3000/' });

    expect(answer.statusCode).toBe(422);
    expect(bodyOf(answer)).toMatchObject({
      suggestion: `${local}@gmail.com`,
      errors: expect.arrayContaining([
        { field: 'email', message: `did you mean ${local}@gmail.com?` },
        { field: 'first_name', message: 'is required' },
        { field: 'budget', message: 'must be a number' },
      ]),
    });
    expect(page.statusCode).toBe(422);
    expect(page.body).toContain('did you mean <span id="suggestion">bea@hotmail.com</span>?');
    expect(page.body).toContain('<li><strong>first_name</strong>: is required</li>');
    expect(page.body).toContain('<li><strong>budget</strong>: must be a number</li>');
    expect(page.body).toContain('<a href="http://localhost:3000/">Go back to the form</a>');
  });

  it('refuses free-mail addresses on a form that asks for work email only', async () => {
    const result = await jsonPost(
      { email: uniqueEmail('gmail.com'), terms: 'on', _nurture_token: await renderToken('b2b', 10) },
      {},
      'b2b',
    );

    expect(bodyOf(result).errors).toEqual([{ field: 'email', message: 'must be a work address' }]);
  });
});

describe('field types, hidden fields and consent', () => {
  it('stores phone in E.164, dates, ISO countries, radio and multi-select, and records the consent', async () => {
    const email = uniqueEmail();

    const result = await jsonPost(
      {
        email,
        name: 'Grace',
        phone: '020 7946 0958',
        start: '2026-12-01',
        country: 'germany',
        plan: 'pro',
        interests: ['ads', 'email'],
        terms: 'on',
        favourite_colour: 'blue',
        _nurture_token: await renderToken('b2b', 10),
      },
      { origin: 'https://www.example.com' },
      'b2b',
    );

    expect(result.statusCode).toBe(201);
    const contact = await stored(email);
    expect(contact?.profile?.attributes).toEqual({
      name: 'Grace',
      phone: '+442079460958',
      start: '2026-12-01',
      country: 'DE',
      plan: 'pro',
      interests: 'email, ads',
    });
    expect(contact?.profile?.consents).toEqual({
      terms: { textVersion: 'tos-3', at: now.toISOString(), formId: 'b2b', field: 'terms', ip: '203.0.113.7' },
    });
    expect(contact?.events[0]?.data).toMatchObject({
      consents: [{ purpose: 'terms', textVersion: 'tos-3', field: 'terms' }],
      unknownFields: 1,
    });
    expect(JSON.stringify(contact)).not.toContain('blue');
  });

  it('names every invalid typed field', async () => {
    const result = await jsonPost(
      {
        email: uniqueEmail(),
        phone: '12',
        start: '2025-02-30',
        country: 'Atlantis',
        plan: 'gold',
        interests: ['fax'],
        _nurture_token: await renderToken('b2b', 10),
      },
      {},
      'b2b',
    );

    expect(bodyOf(result).errors).toEqual([
      { field: 'phone', message: 'must be a phone number' },
      { field: 'start', message: 'must be a date (YYYY-MM-DD)' },
      { field: 'country', message: 'must be a country' },
      { field: 'plan', message: 'must be one of: starter, pro' },
      { field: 'interests', message: 'must be among: email, sms, ads' },
      { field: 'terms', message: 'must be checked' },
    ]);
  });

  it('keeps click ids and the landing page in the first touch and updates the last touch', async () => {
    const email = uniqueEmail();
    await jsonPost({
      email,
      first_name: 'Click',
      gclid: 'g-1',
      landing_page: 'https://www.example.com/black-friday?gclid=g-1',
      referrer: 'https://www.google.com/',
    });
    now = new Date(now.getTime() + 60_000);

    await jsonPost({ email, first_name: 'Click', fbclid: 'f-2', utm_source: 'facebook' });

    const profile = (await stored(email))?.profile;
    expect(profile?.firstTouch).toMatchObject({
      clickIds: { gclid: 'g-1' },
      landingPage: 'https://www.example.com/black-friday?gclid=g-1',
      referrer: 'https://www.google.com/',
    });
    expect(profile?.lastTouch).toMatchObject({ clickIds: { fbclid: 'f-2' }, utm: { utm_source: 'facebook' } });
  });
});

describe('idempotent posts', () => {
  it('answers a retried post with the same Idempotency-Key like the first, storing one event', async () => {
    const email = uniqueEmail();
    const headers = { 'idempotency-key': `key-${sequence++}` };

    const first = await jsonPost({ email, first_name: 'Once' }, headers);
    const retry = await jsonPost({ email, first_name: 'Once' }, headers);

    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(bodyOf(retry)).toEqual(bodyOf(first));
    expect((await stored(email))?.events).toHaveLength(1);
  });

  it('treats a double-click (two concurrent posts with the snippet\'s submission id) as one submission', async () => {
    const email = uniqueEmail();
    const body = { email, first_name: 'Double', _submission_id: `sub-${sequence++}` };

    const answers = await Promise.all([jsonPost(body), jsonPost(body), jsonPost(body)]);

    expect(new Set(answers.map((a) => bodyOf(a).eventId)).size).toBe(1);
    expect((await stored(email))?.events).toHaveLength(1);
  });

  it('costs two DynamoDB calls for a post with a key, and one for its replay', async () => {
    const email = uniqueEmail();
    const headers = { 'idempotency-key': `calls-${sequence++}` };

    calls = 0;
    await jsonPost({ email, first_name: 'Count' }, headers);
    const first = calls;
    calls = 0;
    await jsonPost({ email, first_name: 'Count' }, headers);

    expect(first).toBe(2);
    expect(calls).toBe(1);
  });
});

describe('bots', () => {
  it('drops a post made faster than the form\'s minimum fill time, answering as usual', async () => {
    const email = uniqueEmail();
    const before = await botCount('too_fast');

    const result = await browserPost({ email, terms: 'on', _nurture_token: await renderToken('b2b', 1) }, {}, 'b2b');

    expect(result.statusCode).toBe(303);
    expect(await stored(email)).toBeUndefined();
    expect(await botCount('too_fast')).toBe(before + 1);
  });

  it('drops a forged or another form\'s token, and a post without one when the form requires it', async () => {
    const forged = uniqueEmail();
    const otherForm = uniqueEmail();
    const missing = uniqueEmail();

    await jsonPost({ email: forged, terms: 'on', _nurture_token: 'lzz1.forged' }, {}, 'b2b');
    await jsonPost({ email: otherForm, terms: 'on', _nurture_token: await renderToken('demo-request', 10) }, {}, 'b2b');
    const result = await jsonPost({ email: missing, terms: 'on' }, {}, 'b2b');

    expect(result.statusCode).toBe(201);
    for (const email of [forged, otherForm, missing]) expect(await stored(email)).toBeUndefined();
  });

  it('accepts posts without a token on forms that do not require one (server-side integrations)', async () => {
    expect((await jsonPost({ email: uniqueEmail(), first_name: 'Server' })).statusCode).toBe(201);
  });

  it('verifies the captcha with the provider and drops a refuted one', async () => {
    const person = uniqueEmail();
    const bot = uniqueEmail();

    await jsonPost({ email: person, 'cf-turnstile-response': 'pass' }, {}, 'captcha');
    await jsonPost({ email: bot, 'cf-turnstile-response': 'fail' }, {}, 'captcha');

    expect(await stored(person)).toBeDefined();
    expect(await stored(bot)).toBeUndefined();
  });
});

describe('the snippet\'s endpoints', () => {
  it('gives a fresh render token and the fields to show, leaving out progressive fields a known visitor answered', async () => {
    const email = uniqueEmail();
    const first = await jsonPost(
      { email, name: 'Known', terms: 'on', _nurture_token: await renderToken('b2b', 10) },
      {},
      'b2b',
    );
    const config = (query?: Record<string, string>) =>
      post('b2b', { routeKey: 'GET /forms/{formId}/config', path: '/forms/b2b/config', ...(query ? { query } : {}) });

    const anonymous = bodyOf(await config());
    const known = bodyOf(await config({ visitor: String(bodyOf(first).visitor) }));
    const forged = bodyOf(await config({ visitor: `${String(bodyOf(first).contactId)}.AAAAAAAAAAAAAAAAAAAAAAAA` }));

    expect(anonymous.fields).toContain('name');
    expect(known.hiddenFields).toEqual(['name']);
    expect(known.fields).not.toContain('name');
    expect(known.fields).toContain('phone');
    expect(forged.hiddenFields).toEqual([]);
    expect(await signer.checkRenderToken('b2b', String(anonymous.token), now)).toMatchObject({ type: 'Valid' });
    expect(String(bodyOf(first).visitor)).not.toContain('@');
  });

  it('serves embed.js gzipped, under 5 KB', async () => {
    const result = await post('', { routeKey: 'GET /embed.js', path: '/embed.js', headers: { 'accept-encoding': 'gzip, br' } });

    expect(result.statusCode).toBe(200);
    expect(result.headers['content-type']).toContain('javascript');
    const bytes = Buffer.from(result.body ?? '', 'base64');
    expect(bytes.length).toBeLessThan(5 * 1024);
    expect(gunzipSync(bytes).toString()).toBe(embedSource);
  });
});

describe('stored events', () => {
  it('writes form.submitted with the new optional data', async () => {
    const email = uniqueEmail();
    await jsonPost({ email, first_name: 'Event', msclkid: 'm-1' });

    expect((await stored(email))?.events[0]).toMatchObject({ type: EventName.FormSubmitted, data: { clickIds: { msclkid: 'm-1' } } });
  });
});
