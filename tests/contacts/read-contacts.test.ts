import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { makeReadContactsHandler } from '../../functions/contacts/read-contacts';
import { bodyOf, httpEvent, lambdaContext, memoryLogger, refusedUnknownKey } from '../support/http';
import { createTestTable } from '../support/table';

const TOKEN = 'test-admin-token-0123456789';
let contacts: DynamoContacts;
let read: ReturnType<typeof makeReadContactsHandler>;

beforeAll(async () => {
  const table = await createTestTable();
  contacts = new DynamoContacts(table.documentClient, table.tableName);
  read = makeReadContactsHandler({ contacts, logger: memoryLogger() });
});

const auth = { authorization: `Bearer ${TOKEN}` };

async function contactWithSubmissions(count: number, email = `c-${Math.random()}@example.com`) {
  let contactId = '';
  for (let i = 0; i < count; i++) {
    const at = new Date(Date.UTC(2026, 10, 1, 9, 0, i));
    const recorded = await contacts.recordSubmission(
      email,
      { formId: 'demo-request', fields: { email, first_name: `Visit ${i}` }, utm: {} },
      at,
    );
    contactId = recorded.contactId;
  }
  return { contactId, email };
}

const byId = (contactId: string, headers: Record<string, string> = auth, query?: Record<string, string>) =>
  read(
    httpEvent({
      routeKey: 'GET /contacts/{contactId}',
      path: `/contacts/${contactId}`,
      pathParameters: { contactId },
      headers,
      ...(query ? { query } : {}),
    }),
    lambdaContext(),
  );

const byEmail = (query: Record<string, string>, headers: Record<string, string> = auth) =>
  read(httpEvent({ routeKey: 'GET /contacts', path: '/contacts', pathParameters: {}, headers, query }), lambdaContext());

describe('GET /contacts/{contactId}', () => {
  it('returns the profile and its timeline, newest first', async () => {
    const { contactId, email } = await contactWithSubmissions(3);

    const result = await byId(contactId);

    expect(result.statusCode).toBe(200);
    const body = bodyOf(result) as { contact: Record<string, unknown>; timeline: { items: { data: { fields: object } }[] } };
    expect(body.contact).toMatchObject({ contactId, email, attributes: { first_name: 'Visit 2' } });
    expect(body.contact).not.toHaveProperty('PK');
    expect(body.timeline.items.map((item) => item.data.fields)).toEqual([
      { email, first_name: 'Visit 2' },
      { email, first_name: 'Visit 1' },
      { email, first_name: 'Visit 0' },
    ]);
  });

  it('pages through a long timeline with an opaque cursor', async () => {
    const { contactId } = await contactWithSubmissions(5);

    const first = bodyOf(await byId(contactId, auth, { limit: '2' })) as { timeline: { items: unknown[]; nextCursor: string } };
    const second = bodyOf(await byId(contactId, auth, { limit: '2', cursor: first.timeline.nextCursor })) as typeof first;
    const third = bodyOf(await byId(contactId, auth, { limit: '2', cursor: second.timeline.nextCursor })) as typeof first;

    expect([first, second, third].map((page) => page.timeline.items.length)).toEqual([2, 2, 1]);
    expect(third.timeline.nextCursor).toBeUndefined();
    const ids = [first, second, third].flatMap((page) => page.timeline.items.map((item) => (item as { eventId: string }).eventId));
    expect(new Set(ids).size).toBe(5);
  });

  it('answers 404 for an unknown contact', async () => {
    const result = await byId('01HZZZZZZZZZZZZZZZZZZZZZZZ');

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ error: 'not_found' });
  });

  it('answers 400 for a cursor it did not issue and for a limit out of range', async () => {
    const { contactId } = await contactWithSubmissions(1);

    const badCursor = await byId(contactId, auth, { cursor: 'bm90LWEtY3Vyc29y' });
    const badLimit = await byId(contactId, auth, { limit: '1000' });

    expect(badCursor.statusCode).toBe(400);
    expect(bodyOf(badCursor)).toMatchObject({ error: 'invalid_cursor' });
    expect(badLimit.statusCode).toBe(400);
    expect(bodyOf(badLimit)).toMatchObject({ error: 'invalid_query', errors: [{ field: 'limit' }] });
  });
});

describe('GET /contacts?email=', () => {
  it('finds a contact by email, whatever its case and spacing', async () => {
    const { contactId, email } = await contactWithSubmissions(1);

    const result = await byEmail({ email: ` ${email.toUpperCase()} ` });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ contact: { contactId } });
  });

  it('answers 404 for an email nobody submitted and 400 without an email', async () => {
    expect((await byEmail({ email: 'nobody@example.com' })).statusCode).toBe(404);
    const missing = await byEmail({});
    expect(missing.statusCode).toBe(400);
    expect(bodyOf(missing)).toMatchObject({ errors: [{ field: 'email', message: 'is required' }] });
  });
});

describe('access', () => {
  it('answers 401 naming the missing key, and reveals nothing about the contact, when no authorizer let the request through', async () => {
    const { contactId } = await contactWithSubmissions(1);

    const result = await byId(contactId, {});

    expect(result.statusCode).toBe(401);
    expect(result.headers['www-authenticate']).toBe('Bearer');
    expect(bodyOf(result)).toEqual({ error: 'missing_key', message: 'An API key is required: Authorization: Bearer nk_…' });
  });

  it('answers the authorizer\'s refusal, and reveals nothing about the contact', async () => {
    const { contactId } = await contactWithSubmissions(1);

    const result = await read(
      httpEvent({ routeKey: 'GET /contacts/{contactId}', path: `/contacts/${contactId}`, pathParameters: { contactId }, headers: auth, authorizer: refusedUnknownKey }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(401);
    expect(result.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(bodyOf(result)).toEqual({ error: 'unknown_key', message: 'This API key is not known' });
  });
});

describe('caching', () => {
  it('tells browsers and proxies to keep no copy of any answer, found or not', async () => {
    const { contactId } = await contactWithSubmissions(1);

    const answers = [await byId(contactId), await byId('NOPE'), await byId(contactId, {})];

    expect(answers.map((result) => [result.statusCode, result.headers['cache-control']])).toEqual([
      [200, 'no-store'],
      [404, 'no-store'],
      [401, 'no-store'],
    ]);
  });
});
