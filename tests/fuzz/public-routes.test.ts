import { request } from 'node:http';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContact, parseEvent } from '../../functions/contacts/dynamo-contacts';
import { parseSigningKeys, TokenSigner } from '../../functions/email/tokens';
import { routes } from '../../lib/functions';
import type { Runtime } from '../../local/runtime';
import { localSettings } from '../../local/settings';
import { journeyDriver } from '../journeys/support';
import { startTestRuntime } from '../support/runtime';
import { batchBody, fields, formBody, fuzzRuns, fuzzSeed, hostile, randomSeed, value } from './arbitraries';

/**
 * Every route the registry declares (lib/functions.ts), through the whole local runtime (the real gateway, handlers,
 * DynamoDB Local, the reactor behind the stream): hostile paths, headers and bodies, with a valid key where a route
 * needs one so the handlers are reached. Only 2xx/3xx/4xx answers; a 4xx is JSON naming the problem, or an HTML page
 * for a browser; every HTML page carries the security headers; a redirect never leaves http(s); and everything
 * stored reads back through the API and holds no control characters or unnormalised emails.
 */
const RUNS = fuzzRuns(8_000, 0.02);
fc.configureGlobal({ seed: fuzzSeed });
if (randomSeed) console.log(`public-routes fuzz: FUZZ_SEED=${fuzzSeed}`);

let runtime: Runtime;
let driver: ReturnType<typeof journeyDriver>;
const settings = localSettings();
const signer = new TokenSigner(parseSigningKeys(settings.NURTURE_EMAIL_SIGNING_KEYS));
const writeKey = `Basic ${Buffer.from(`${settings.NURTURE_WRITE_KEY}:`).toString('base64')}`;
/** A contact that exists, so signed links and contact routes reach past their lookups. */
let contactId: string;
let admin: string;

beforeAll(async () => {
  // Journeys wait in real time: what the fuzz enrols stays parked instead of keeping two shared cores busy.
  runtime = await startTestRuntime({ tableName: 'fuzz-public-routes', timeScale: 1 });
  driver = journeyDriver(runtime);
  // The runtime's API key (scope admin) for private routes.
  admin = `Bearer ${runtime.apiKey}`;
  contactId = await driver.postForm('newsletter', { email: 'fuzz.known@example.com', newsletter_consent: 'on' });
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A raw HTTP request: the path goes on the wire exactly as given (fetch would resolve `..` and re-encode it). */
function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const url = new URL(runtime.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const headerOf = (answer: Answer, name: string) => String(answer.headers[name] ?? '');

/** What every HTML page must carry (functions/shared/security-headers.ts). */
function expectPageHeaders(answer: Answer, what: string) {
  const csp = headerOf(answer, 'content-security-policy');
  const scripts = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
  expect(scripts, `${what}: CSP script-src`).not.toBe('');
  expect(scripts, `${what}: inline script allowed`).not.toMatch(/unsafe-inline|unsafe-eval/);
  expect(csp, `${what}: frame-ancestors`).toMatch(/frame-ancestors [^;]+/);
  expect(csp, `${what}: default-src`).toMatch(/default-src 'none'/);
  expect(headerOf(answer, 'x-content-type-options'), `${what}: nosniff`).toBe('nosniff');
  expect(headerOf(answer, 'referrer-policy'), `${what}: Referrer-Policy`).not.toBe('');
  // No inline script for the CSP to refuse: every script is a file.
  expect(answer.body, `${what}: inline script`).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
}

/** A path parameter as a client may send it: valid ids, hostile text, over-long ids, signed and mangled tokens. */
const issued = () => Math.floor(Date.now() / 1000).toString(36);
const pathValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('demo-request', 'newsletter', 'budget-router', 'hubspot', 'generic', 'batch', 'track', 'identify', 'page', 'funnel', 'leads', 'newsletter-2026-06', 'webinar-attendees') },
  { weight: 2, arbitrary: fc.constant(null).map(() => contactId) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.integer({ min: 400, max: 3_000 }).chain((n) => fc.constantFrom('x'.repeat(n), 'é'.repeat(n), `${contactId}${'0'.repeat(n)}`)) },
  {
    weight: 3,
    arbitrary: fc.constantFrom('u', 'k', 'c', 'o').chain((kind) =>
      fc.tuple(fc.constant(kind), fc.constantFrom('as signed', 'low bits', 'padding', 'other contact', 'truncated')),
    ).map(([kind, mangle]) => {
      const fields = { u: [contactId, 'newsletter', '-'], k: [contactId, 'newsletter', 'newsletter', issued()], c: [contactId, 'send_x', '0'], o: [contactId, 'send_x'] }[kind]!;
      const token = signer.sign(kind as 'u' | 'k' | 'c' | 'o', fields);
      switch (mangle) {
        case 'low bits':
          return `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
        case 'padding':
          return `${token}==`;
        case 'other contact':
          return token.replace(contactId, '01HZZZZZZZZZZZZZZZZZZZZZZZ');
        case 'truncated':
          return token.slice(0, -3);
        default:
          return token;
      }
    }),
  },
);

/** A request to one route of the registry, or an odd path no route names. */
const oddPaths = fc.constantFrom(
  '/', '//contacts', '/contacts/', '/contacts/..%2F..%2Fetc%2Fpasswd', '/contacts/%', '/contacts/%ZZ', '/contacts/%ED%A0%80',
  '/contacts/%C0%AF', '/v1/%00', '/forms/%E2%80%AE', `/u/${'a'.repeat(3_000)}`, `/${'x/'.repeat(2_000)}`, '/journeys/budget-router/enrollments/',
  '/t/c/', '/health/../contacts', '/forms/demo-request/config/extra', '/embed.js?x=%ZZ',
);

const contentTypes = fc.constantFrom(
  'application/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain', 'application/x-ndjson',
  'application/json; charset=utf-16', '',
);

/** Bodies that mostly reach a handler's checks, with one hostile part, per kind of route. */
const contactBody = fc.record(
  {
    email: fc.oneof(hostile, fc.constantFrom('fuzz.put@example.com', 'ＦＵＺＺ.put@example.com', 'fuzz\u0085put@example.com', 'josé@example.es')),
    externalId: fc.oneof(hostile, fc.constantFrom('crm-1', 'crm\u0000-2')),
    attributes: fields,
    tags: fc.oneof(fc.array(hostile, { maxLength: 3 }), value),
    consents: fc.oneof(fc.constant([{ topic: 'newsletter', status: 'subscribed', basis: 'api', source: 'fuzz\u2028source' }]), value),
  },
  { requiredKeys: ['email'] },
).map((body) => JSON.stringify(body));
const enrolmentBody = fc
  .record({ email: fc.oneof(hostile, fc.constant('fuzz.enrol@example.com')), create: fc.boolean(), attributes: fc.dictionary(fc.constantFrom('first_name', 'budget', 'note'), hostile, { maxKeys: 3 }) }, { requiredKeys: [] })
  .map((body) => JSON.stringify(body));
const importBody = fc.array(fc.record({ row: fc.nat(), contact: fc.oneof(contactBody.map((text) => JSON.parse(text) as unknown), value) }), { maxLength: 5 }).map((rows) => rows.map((row) => JSON.stringify(row)).join('\n'));
const anyBody = fc.oneof(
  { weight: 3, arbitrary: formBody },
  { weight: 2, arbitrary: batchBody.map((body) => ({ type: 'application/json', body })) },
  { weight: 2, arbitrary: contactBody.map((body) => ({ type: 'application/json', body })) },
  { weight: 1, arbitrary: enrolmentBody.map((body) => ({ type: 'application/json', body })) },
  { weight: 1, arbitrary: importBody.map((body) => ({ type: 'application/x-ndjson', body })) },
  { weight: 1, arbitrary: fc.record({ type: contentTypes, body: fc.string() }) },
  { weight: 1, arbitrary: fc.record({ type: contentTypes, body: fc.constantFrom('List-Unsubscribe=One-Click', 'action=save&topic=newsletter', 'action=unsubscribe_all', 'action=confirm') }) },
  // Over every route's limit (the API's is 10 MB; the handlers' are 64 KB to 5 MB).
  { weight: 1, arbitrary: fc.record({ type: contentTypes, body: fc.constantFrom('a'.repeat(70_000), `{"batch":[${'1,'.repeat(300_000)}1]}`) }) },
);

const hostileHeaders = fc.record(
  {
    accept: fc.constantFrom('text/html,application/xhtml+xml', 'application/json', '*/*'),
    origin: fc.constantFrom('https://evil.example', 'null', 'http://localhost:3000', 'javascript://x'),
    referer: fc.constantFrom('https://evil.example/form', 'javascript:alert(1)', 'http://127.0.0.1:3000/'),
    host: fc.constantFrom('evil.example', 'localhost'),
    'x-forwarded-proto': fc.constantFrom('javascript', 'https', 'data'),
    'idempotency-key': fc.oneof(fc.string({ maxLength: 300 }).filter((key) => /^[\x20-\x7e]*$/.test(key)), fc.uuid()),
  },
  { requiredKeys: [] },
);

/** An address that passes the checks, in the spellings that must all key one contact, or a hostile one. */
const email = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.nat(200), fc.constantFrom('', 'wide', 'upper')).map(([n, spelling]) => {
    const local = `fuzz${n}`;
    if (spelling === 'wide') return `${[...local].map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)).join('')}@example.com`;
    return spelling === 'upper' ? `${local.toUpperCase()}@EXAMPLE.com` : `${local}@example.com`;
  }) },
  { weight: 1, arbitrary: hostile },
);
const text = fc.oneof(hostile, fc.constantFrom('Ada\ud800', 'Love\u0085lace', 'Analytical\u2028Engines', 'evil\u202Ecod.exe', 'tab\there', '\udc00x'));
/** Requests that pass the gates (form, key, shape) with hostile values inside, so the handlers write. */
const plausibleRequest = fc.oneof(
  fc.record({ email, first_name: text, last_name: text, company: text, budget: fc.oneof(fc.constant('4,500'), text), phone: text, country: text, utm_source: text })
    .chain((fields) => fc.constantFrom('application/json', 'application/x-www-form-urlencoded').map((type) => ({
      method: 'POST',
      path: '/forms/demo-request',
      headers: { 'content-type': type },
      body: type === 'application/json' ? JSON.stringify(fields) : new URLSearchParams(fields as Record<string, string>).toString(),
    }))),
  fc.record({ email, attributes: fc.record({ first_name: text, plan: text, note: text }), tags: fc.array(text, { maxLength: 2 }) }).map((body) => ({
    method: 'PUT', path: '/contacts', headers: { 'content-type': 'application/json', authorization: admin }, body: JSON.stringify(body),
  })),
  fc.record({ userId: fc.constantFrom('user-1', 'user-2'), traits: fc.record({ email, name: text, plan: text }), context: fc.record({ userAgent: text, locale: text }) }).map((message) => ({
    method: 'POST', path: '/v1/identify', headers: { 'content-type': 'application/json', authorization: writeKey }, body: JSON.stringify(message),
  })),
  fc.record({ userId: fc.constantFrom('user-1', 'user-2'), event: text, properties: fc.dictionary(text, text, { maxKeys: 3 }), context: fc.record({ userAgent: text }) }).map((message) => ({
    method: 'POST', path: '/v1/track', headers: { 'content-type': 'application/json', authorization: writeKey }, body: JSON.stringify(message),
  })),
  fc.record({ email, create: fc.constant(true), attributes: fc.record({ first_name: text, budget: fc.constant(100) }) }).map((body) => ({
    method: 'POST', path: '/journeys/budget-router/enrollments', headers: { 'content-type': 'application/json', authorization: admin }, body: JSON.stringify(body),
  })),
);

const fuzzRequest = fc.oneof(
  { weight: 4, arbitrary: plausibleRequest },
  {
    weight: 9,
    arbitrary: fc.record({
      route: fc.constantFrom(...routes),
      params: fc.array(pathValue, { minLength: 3, maxLength: 3 }),
      body: anyBody,
      headers: hostileHeaders,
      authorized: fc.nat(9).map((n) => n < 8),
      query: fc.oneof(fc.constant(''), fc.constantFrom('?email=fuzz.known%40example.com', '?email=%EF%BD%86uzz.known%40example.com', '?name=%00', '?dryRun=true', `?x=${'y'.repeat(3_000)}`)),
    }).map(({ route, params, body, headers, authorized, query }) => {
      const [method, template] = route.routeKey.split(' ') as [string, string];
      let i = 0;
      const path = template.replace(/\{\w+\+?\}/g, () => encodeURIComponent(params[i++ % params.length]!));
      const auth = route.function === 'track' ? writeKey : admin;
      const sendsBody = method === 'POST' || method === 'PUT';
      return {
        method,
        path: `${path}${query}`,
        headers: { ...headers, ...(authorized ? { authorization: auth } : {}), ...(sendsBody && body.type ? { 'content-type': body.type } : {}) },
        body: sendsBody ? body.body : undefined,
      };
    }),
  },
  { weight: 1, arbitrary: fc.record({ method: fc.constantFrom('GET', 'POST', 'DELETE', 'PATCH', 'OPTIONS'), path: oddPaths, headers: hostileHeaders, body: fc.constant(undefined) }) },
);

// eslint-disable-next-line no-control-regex
const UNSTORABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u061c\u200e\u200f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Every string in a stored item, with its path, for the control-character check. */
function* strings(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* strings(item, `${path}.${i}`);
  else if (value instanceof Set) for (const item of value) yield* strings(item, `${path}.*`);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      yield [`${path}.(key)`, key];
      yield* strings(item, `${path}.${key}`);
    }
  }
}

describe('every HTML page', () => {
  it('carries a CSP without inline script, nosniff, a Referrer-Policy and frame-ancestors', { timeout: 60_000 }, async () => {
    const html = { accept: 'text/html,application/xhtml+xml' };
    const form = { ...html, 'content-type': 'application/x-www-form-urlencoded' };
    const preferences = `/u/${signer.sign('u', [contactId, 'newsletter', '-'])}`;
    const confirm = `/u/${signer.sign('k', [contactId, 'newsletter', 'newsletter', issued()])}`;
    const expired = `/u/${signer.sign('k', [contactId, 'newsletter', 'newsletter', (Math.floor(Date.now() / 1000) - 90 * 86_400).toString(36)])}`;
    const pages: [string, string, Record<string, string>, string?][] = [
      ['GET', '/', html],
      ['GET', '/thank-you', html],
      ['GET', '/snippet', html],
      ['GET', '/partner', html],
      ['GET', '/console/', html],
      ['GET', '/console/contacts/01J0000000000000000000000', html],
      ['GET', '/dev/crm', html],
      ['GET', '/dev/emails', html],
      ['GET', '/dev/emails/nurture-1', html],
      ['GET', preferences, html],
      ['POST', preferences, form, 'action=save&topic=newsletter'],
      ['GET', confirm, html],
      ['GET', expired, html],
      ['GET', '/u/not-a-token', html],
      // The form's error page, the typo suggestion page, and the errors-with-suggestion page.
      ['POST', '/forms/demo-request', form, 'email=not-an-address'],
      ['POST', '/forms/newsletter', form, 'email=ada%40gmial.com'],
      ['POST', '/forms/demo-request', form, 'email=ada%40gmial.com&budget=lots'],
      ['POST', '/forms/demo-request', { ...form, 'content-type': 'multipart/form-data; boundary=x' }, '--x--'],
    ];

    for (const [method, path, headers, body] of pages) {
      const answer = await send(method, path, headers, body);
      const what = `${method} ${path.slice(0, 40)} (${answer.status})`;
      expect(headerOf(answer, 'content-type'), what).toMatch(/^text\/html/);
      expectPageHeaders(answer, what);
    }
  });

  it('lets no page be framed but by its own rules, and serves the scripts pages moved out of line', async () => {
    for (const path of ['/partner.js']) {
      const answer = await send('GET', path, {});
      expect(answer.status, path).toBe(200);
      expect(headerOf(answer, 'content-type'), path).toMatch(/^text\/javascript/);
    }
    const page = await send('GET', `/u/${signer.sign('u', [contactId, 'newsletter', '-'])}`, {});
    expect(headerOf(page, 'content-security-policy')).toContain("frame-ancestors 'none'");
    expect(headerOf(page, 'x-frame-options')).toBe('DENY');
  });
});

describe('limits every route shares (functions/shared/http.ts)', () => {
  const withParams = routes.filter((route) => route.routeKey.includes('{'));

  it('answers 400 naming the parameter, never 500, for a path id over 512 bytes on every route that has one', async () => {
    expect(withParams.map((route) => route.routeKey)).toEqual(expect.arrayContaining(['GET /contacts/{contactId}', 'DELETE /journeys/{journeyId}/enrollments/{contactId}']));
    for (const route of withParams) {
      const [method, template] = route.routeKey.split(' ') as [string, string];
      const path = template.replace(/\{\w+\}/g, 'x'.repeat(3_000));
      const answer = await send(method, path, { authorization: route.function === 'track' ? writeKey : admin });
      expect(answer.status, route.routeKey).toBe(400);
      expect(JSON.parse(answer.body), route.routeKey).toMatchObject({ error: 'invalid_path_parameter', parameter: expect.any(String) });
    }
  });

  it('answers 413 as JSON to a body over the route\'s limit, on every route that takes a body', async () => {
    const big = 'a'.repeat(5 * 1024 * 1024 + 1);
    for (const route of routes.filter((r) => /^(POST|PUT) /.test(r.routeKey))) {
      const [method, template] = route.routeKey.split(' ') as [string, string];
      const path = template.replace(/\{formId\}/, 'demo-request').replace(/\{type\}/, 'batch').replace(/\{provider\}/, 'hubspot').replace(/\{journeyId\}/, 'budget-router').replace(/\{\w+\}/g, 'x');
      const answer = await send(method, path, { authorization: route.function === 'track' ? writeKey : admin, 'content-type': 'application/json' }, big);
      expect(answer.status, route.routeKey).toBe(413);
      expect(JSON.parse(answer.body), route.routeKey).toMatchObject({ error: 'payload_too_large' });
    }
  });
});

describe('fuzzing every route through the local runtime', () => {
  it('answers only 2xx/3xx/4xx, 4xx as JSON naming the problem (HTML for browsers), and stores only what reads back clean', { timeout: 900_000 }, async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fuzzRequest, async ({ method, path, headers, body }) => {
        const answer = await send(method, path, headers, body);
        const what = `${method} ${path.slice(0, 80)} → ${answer.status}: ${answer.body.slice(0, 200)}`;
        const key = `${Math.floor(answer.status / 100)}xx`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        expect(answer.status, what).toBeGreaterThanOrEqual(200);
        expect(answer.status, what).toBeLessThan(500);
        const type = headerOf(answer, 'content-type');
        if (type.startsWith('text/html')) expectPageHeaders(answer, what);
        if (answer.status >= 300 && answer.status < 400) expect(headerOf(answer, 'location'), what).toMatch(/^https?:\/\//);
        if (answer.status >= 400) {
          if (type.startsWith('text/html')) {
            expect((headers as Record<string, string>).accept ?? '', what).toContain('text/html');
          } else {
            expect(type, what).toMatch(/^application\/json/);
            const problem = JSON.parse(answer.body) as Record<string, unknown>;
            expect(typeof (problem.error ?? problem.message), what).toBe('string');
          }
        }
      }),
      { numRuns: RUNS },
    );
    // The generators reach the handlers and the store, not only the gateway's refusals.
    expect(seen.get('2xx') ?? 0).toBeGreaterThan(RUNS / 50);
    expect(seen.get('4xx') ?? 0).toBeGreaterThan(RUNS / 5);

    await driver.idle();
    const items = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await driver.db.send(new ScanCommand({ TableName: runtime.tableName, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);

    const profiles: string[] = [];
    for (const item of items) {
      const [pk, sk] = [String(item.PK), String(item.SK)];
      for (const [path, text] of strings(item, pk)) expect(text, `${sk} ${path}`).not.toMatch(UNSTORABLE);
      if (sk === 'PROFILE') profiles.push(parseContact(item).contactId);
      else if (sk.startsWith('EVENT#')) parseEvent(item);
      else if (sk === 'EMAIL') expect(pk, 'email key').toMatch(/^EMAIL#[\x21-\x3f\x41-\x7e]{1,64}@[a-z0-9.-]+$/);
    }
    expect(profiles.length).toBeGreaterThan(1);
    // What was stored reads back through the API, as JSON that parses, for every contact.
    for (const id of profiles) {
      for (const path of [`/contacts/${id}`, `/contacts/${id}/export`]) {
        const answer = await send('GET', path, { authorization: admin });
        expect(answer.status, `${path}: ${answer.body.slice(0, 200)}`).toBe(200);
        expect(() => JSON.parse(answer.body), path).not.toThrow();
      }
    }
  });
});
