import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { attributeFields, emailTopics } from '../../functions/contacts/attribute-fields';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { DynamoContactUpserts } from '../../functions/contacts/dynamo-upsert';
import { makeUpsertContactHandler } from '../../functions/contacts/upsert-contact';
import { disposableDomains } from '../../functions/forms/disposable-domains';
import { EventName } from '../../functions/shared/events';
import type { HttpResult } from '../../functions/shared/http';
import { keys } from '../../functions/shared/keys';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

const TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
let table: TestTable;
let contacts: DynamoContacts;
let handler: ReturnType<typeof makeUpsertContactHandler>;
const logger = memoryLogger();

beforeAll(async () => {
  table = await createTestTable();
  contacts = new DynamoContacts(table.documentClient, table.tableName);
  handler = makeUpsertContactHandler({
    upserts: new DynamoContactUpserts(table.documentClient, table.tableName, 'subscriber'),
    rules: { fields: attributeFields(), topics: emailTopics, isDisposable: disposableDomains() },
    clock: { now: () => new Date() },
    logger,
  });
});

function put(body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return handler(
    httpEvent({
      routeKey: 'PUT /contacts',
      path: '/contacts',
      pathParameters: {},
      headers: { ...auth, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
    lambdaContext(),
  ) as Promise<HttpResult>;
}

const email = () => `up-${randomUUID()}@acme.example`;
const upserted = async (contactId: string) => (await table.partition(`CONTACT#${contactId}`)).filter((item) => item.type === EventName.ContactUpserted);

describe('PUT /contacts', () => {
  it('creates a contact with typed attributes, tags and consent that states its basis and source', async () => {
    const address = email();

    const result = await put({
      email: ` ${address.toUpperCase()} `,
      attributes: { first_name: 'Ada', budget: '$5,000', phone: '(415) 555-0132', country: 'germany', plan: 'pro' },
      tags: ['vip'],
      consents: [{ topic: 'newsletter', status: 'subscribed', basis: 'crm', source: 'hubspot-sync' }],
    });

    expect(result.statusCode).toBe(201);
    const { contactId } = bodyOf(result) as { contactId: string };
    expect(bodyOf(result)).toMatchObject({ result: 'created', contactId, eventId: expect.any(String) });
    const contact = await contacts.get(contactId);
    expect(contact).toMatchObject({
      email: address,
      attributes: { first_name: 'Ada', budget: 5000, phone: '+14155550132', country: 'DE', plan: 'pro' },
      tags: ['vip'],
      subscriptions: { newsletter: { status: 'subscribed', basis: 'crm', source: 'hubspot-sync' } },
    });
    expect(await contacts.findIdByEmail(address)).toBe(contactId);
    const events = await upserted(contactId);
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({ via: 'api', created: true, addedTags: ['vip'], consents: [{ topic: 'newsletter', basis: 'crm' }] });
  });

  it('stores no lone surrogate, C1 control or line separator in attributes, tags or consent sources', async () => {
    const result = await put({
      email: email(),
      attributes: { first_name: 'Ada\ud800', plan: 'pro\u0085max', note: 'a\u2028b' },
      tags: ['v\u009bip'],
      consents: [{ topic: 'newsletter', status: 'subscribed', basis: 'crm', source: 'hub\u2029spot' }],
    });

    expect(result.statusCode).toBe(201);
    const contact = await contacts.get((bodyOf(result) as { contactId: string }).contactId);
    expect(contact).toMatchObject({
      attributes: { first_name: 'Ada', plan: 'pro max', note: 'a b' },
      tags: ['vip'],
      subscriptions: { newsletter: { source: 'hub spot' } },
    });
  });

  it('updates only what changed, with one event naming the changes', async () => {
    const address = email();
    const { contactId } = bodyOf(await put({ email: address, attributes: { first_name: 'Ada', company: 'Acme' }, tags: ['vip'] })) as { contactId: string };

    const result = await put({ email: address, attributes: { first_name: 'Ada', company: null, job_title: 'CTO' }, tags: { add: ['vip', 'beta'], remove: [] } });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ result: 'updated', contactId });
    expect((await contacts.get(contactId))!.attributes).toEqual({ first_name: 'Ada', job_title: 'CTO' });
    const events = await upserted(contactId);
    expect(events.map((e) => e.data)).toEqual([
      expect.objectContaining({ created: true }),
      expect.objectContaining({ created: false, set: { job_title: 'CTO' }, cleared: ['company'], addedTags: ['beta'], removedTags: [] }),
    ]);
  });

  it('answers 200 unchanged and appends nothing when nothing changes', async () => {
    const address = email();
    const body = { email: address, attributes: { first_name: 'Ada' }, tags: ['vip'], consents: [{ topic: 'all', status: 'subscribed', basis: 'api', source: 'backend' }] };
    const { contactId } = bodyOf(await put(body)) as { contactId: string };
    const before = await contacts.get(contactId);

    const result = await put({ ...body, consents: [{ topic: 'all', status: 'subscribed', basis: 'import', source: 'another list' }] });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ result: 'unchanged', contactId });
    expect(await contacts.get(contactId)).toEqual(before);
    expect(await upserted(contactId)).toHaveLength(1);
  });

  it('replays an Idempotency-Key with the same body and writes nothing more; refuses it with another body', async () => {
    const address = email();
    const key = `key-${randomUUID()}`;
    const body = { email: address, attributes: { first_name: 'Ada' } };

    const first = await put(body, { 'idempotency-key': key });
    const again = await put({ attributes: { first_name: 'Ada' }, email: address }, { 'idempotency-key': key });
    const other = await put({ ...body, attributes: { first_name: 'Grace' } }, { 'idempotency-key': key });

    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(bodyOf(again)).toEqual(bodyOf(first));
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(other.statusCode).toBe(422);
    expect(bodyOf(other)).toMatchObject({ error: 'idempotency_key_reused' });
    const { contactId } = bodyOf(first) as { contactId: string };
    expect(await upserted(contactId)).toHaveLength(1);
    expect((await contacts.get(contactId))!.attributes).toEqual({ first_name: 'Ada' });
  });

  it('finds a contact by its external id, and moves its email claim when the email changes', async () => {
    const [first, second] = [email(), email()];
    const externalId = `crm-${randomUUID()}`;
    const { contactId } = bodyOf(await put({ email: first, externalId })) as { contactId: string };

    const byId = await put({ externalId, attributes: { first_name: 'Ada' } });
    const moved = await put({ externalId, email: second });

    expect(bodyOf(byId)).toMatchObject({ result: 'updated', contactId });
    expect(bodyOf(moved)).toMatchObject({ result: 'updated', contactId });
    expect(await contacts.findIdByEmail(second)).toBe(contactId);
    expect(await contacts.findIdByEmail(first)).toBeUndefined();
    expect(await contacts.get(contactId)).toMatchObject({ email: second, externalId, attributes: { first_name: 'Ada' } });
  });

  it('answers 409 for an external id that belongs to another contact, and writes nothing', async () => {
    const externalId = `crm-${randomUUID()}`;
    await put({ email: email(), externalId });
    const other = email();
    const { contactId } = bodyOf(await put({ email: other })) as { contactId: string };
    const before = await table.partition(`CONTACT#${contactId}`);

    const result = await put({ email: other, externalId, attributes: { first_name: 'Eve' } });
    const differs = await put({ email: other, externalId: `crm-${randomUUID()}` }).then(() => put({ email: other, externalId: `crm-${randomUUID()}` }));

    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toMatchObject({ error: 'external_id_conflict' });
    expect(differs.statusCode).toBe(409);
    expect((await table.partition(`CONTACT#${contactId}`)).filter((i) => i.type === EventName.ContactUpserted)).toHaveLength(
      before.filter((i) => i.type === EventName.ContactUpserted).length + 1,
    );
  });

  it('answers 404 for an unknown external id without an email', async () => {
    const result = await put({ externalId: `crm-${randomUUID()}` });

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ error: 'not_found' });
  });

  it('answers 400 naming each bad field, and stores nothing', async () => {
    const address = `bad-${randomUUID()}@gmial.com`;

    const result = await put({
      email: address,
      attributes: { budget: 'lots', phone: '12', country: 'Atlantis', 'Bad Name': 1, marketing_consent: true, note: { nested: true } },
      tags: { add: ['x'], remove: ['x'] },
      consents: [{ topic: 'nope', status: 'subscribed', basis: 'api', source: 'x' }],
    });

    expect(result.statusCode).toBe(400);
    const body = bodyOf(result) as { error: string; errors: { field: string }[]; suggestion: string };
    expect(body.error).toBe('validation_failed');
    expect(body.suggestion).toMatch(/@gmail\.com$/);
    expect(body.errors.map((e) => e.field).sort()).toEqual(
      [
        'email',
        'attributes.budget',
        'attributes.phone',
        'attributes.country',
        'attributes.Bad Name',
        'attributes.marketing_consent',
        'attributes.note',
        'tags',
        'consents.0.topic',
      ].sort(),
    );
    expect(await contacts.findIdByEmail(address)).toBeUndefined();
  });

  it.each([
    ['malformed JSON', '{', 400, 'malformed_json'],
    ['neither email nor externalId', { attributes: {} }, 400, 'validation_failed'],
    ['an unknown consent basis', { email: 'a@acme.example', consents: [{ topic: 'all', status: 'subscribed', basis: 'because', source: 'x' }] }, 400, 'validation_failed'],
    ['an unknown top-level key', { email: 'a@acme.example', first_name: 'Ada' }, 400, 'validation_failed'],
  ])('answers 4xx, never 500, for %s', async (_case, body, status, code) => {
    const result = await put(body);

    expect(result.statusCode).toBe(status);
    expect(bodyOf(result)).toMatchObject({ error: code });
  });

  it('answers 401 without a key and logs no email', async () => {
    const address = email();
    const result = await put({ email: address }, { authorization: '' });

    expect(result.statusCode).toBe(401);
    await put({ email: address });
    expect(JSON.stringify(logger.lines)).not.toContain(address);
  });

  it('writes the contact with its email claim, event and search entries in one go', async () => {
    const address = email();
    const { contactId } = bodyOf(await put({ email: address, attributes: { first_name: 'Ada', last_name: 'Lovelace' }, tags: ['vip'] })) as { contactId: string };

    const items = await table.partition(keys.profile(contactId).PK);

    expect(items.map((i) => i.SK).filter((sk) => String(sk).startsWith('INDEX#FIND#')).sort()).toEqual(
      ['INDEX#FIND#CREATED', 'INDEX#FIND#EMAIL', 'INDEX#FIND#NAME#0', 'INDEX#FIND#NAME#1', 'INDEX#FIND#STAGE', 'INDEX#FIND#TAG#vip', 'INDEX#FIND#UPDATED'].sort(),
    );
  });
});
