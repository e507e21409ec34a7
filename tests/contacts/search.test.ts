import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { attributeFields, emailTopics } from '../../functions/contacts/attribute-fields';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { DynamoContactSearch } from '../../functions/contacts/dynamo-search';
import { DynamoContactUpserts } from '../../functions/contacts/dynamo-upsert';
import type { UpsertRequest } from '../../functions/contacts/domain/upsert';
import { checkUpsert } from '../../functions/contacts/domain/upsert';
import { foldName, searchPartition } from '../../functions/contacts/domain/search-index';
import { makeReadContactsHandler } from '../../functions/contacts/read-contacts';
import { reindexAll } from '../../functions/contacts/reindex';
import { DynamoReactorStore } from '../../functions/reactor/dynamo-reactor-store';
import { makeReactor } from '../../functions/reactor/reactor';
import { matchesFilter } from '../../functions/reactor/stream-filter';
import { lifecycle } from '../../functions/scoring/domain/content';
import type { HttpResult } from '../../functions/shared/http';
import { keys } from '../../functions/shared/keys';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { readStream } from '../support/stream';
import { createTestTable, type TestTable } from '../support/table';

const TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const stages = new Set([...lifecycle.stages, ...lifecycle.sideStages].map((s) => s.id));
let table: TestTable;
let contacts: DynamoContacts;
let upserts: DynamoContactUpserts;
let read: ReturnType<typeof makeReadContactsHandler>;

beforeAll(async () => {
  table = await createTestTable();
  contacts = new DynamoContacts(table.documentClient, table.tableName);
  upserts = new DynamoContactUpserts(table.documentClient, table.tableName, lifecycle.initial);
  read = makeReadContactsHandler({
    contacts,
    logger: memoryLogger(),
    search: { index: new DynamoContactSearch(table.documentClient, table.tableName, lifecycle.initial), stages },
  });
});

const rules = { fields: attributeFields(), topics: emailTopics, isDisposable: () => false };

/** A contact through the upsert, at a given moment. */
async function upsert(body: Record<string, unknown>, at = new Date()): Promise<string> {
  const check = checkUpsert(body, rules);
  if (check.type !== 'Valid') throw new Error(JSON.stringify(check.errors));
  const outcome = await upserts.upsert(check.request as UpsertRequest, { via: 'api' }, at);
  if (!('contactId' in outcome)) throw new Error(outcome.type);
  return outcome.contactId;
}

function find(query: Record<string, string>): Promise<HttpResult> {
  return read(httpEvent({ routeKey: 'GET /contacts', path: '/contacts', pathParameters: {}, headers: auth, query }), lambdaContext()) as Promise<HttpResult>;
}

type Page = { contacts: { contactId: string }[]; nextCursor?: string };

/** Every contact a search finds, page by page with the cursor; and how many pages that took. */
async function findAll(query: Record<string, string>, limit = 2): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const result = await find({ ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
    expect(result.statusCode).toBe(200);
    const page = bodyOf(result) as Page;
    ids.push(...page.contacts.map((c) => c.contactId));
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 50);
  return { ids, pages };
}

const run = randomUUID().slice(0, 8);

describe('GET /contacts search', () => {
  it('finds contacts by email prefix, page by page, and nobody else', async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await upsert({ email: `zq${run}-${i}@acme.example` }));
    await upsert({ email: `zr${run}@acme.example` });

    const { ids: found, pages } = await findAll({ emailPrefix: `ZQ${run}` });

    expect(found.sort()).toEqual(ids.sort());
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('finds contacts by a prefix of any word of their name, accents and case folded', async () => {
    const ada = await upsert({ email: `ada-${run}@acme.example`, attributes: { first_name: 'Adà', last_name: `Lovelace${run}` } });
    await upsert({ email: `grace-${run}@acme.example`, attributes: { first_name: 'Grace', last_name: `Hopper${run}` } });

    expect((await findAll({ name: `lovelace${run}` })).ids).toEqual([ada]);
    expect((await findAll({ name: `ADA LOVELACE${run}` })).ids).toEqual([ada]);
  });

  it('lists contacts by stage, the initial stage included, and by tag', async () => {
    const tag = `tag-${run}`;
    const tagged = [await upsert({ email: `t1-${run}@acme.example`, tags: [tag] }), await upsert({ email: `t2-${run}@acme.example`, tags: [tag] })];
    const untagged = await upsert({ email: `t3-${run}@acme.example`, tags: [tag] });
    await upsert({ email: `t3-${run}@acme.example`, tags: { remove: [tag] } });

    expect((await findAll({ tag }, 1)).ids.sort()).toEqual(tagged.sort());
    const subscribers = (await findAll({ stage: lifecycle.initial }, 100)).ids;
    expect(subscribers).toEqual(expect.arrayContaining([...tagged, untagged]));
  });

  it('lists contacts by created day and by updated day', async () => {
    const created = new Date('2024-03-01T10:00:00.000Z');
    const a = await upsert({ email: `d1-${run}@acme.example` }, created);
    const b = await upsert({ email: `d2-${run}@acme.example` }, new Date('2024-03-01T11:00:00.000Z'));
    await upsert({ email: `d1-${run}@acme.example`, attributes: { first_name: 'Later' } }, new Date('2024-03-05T09:00:00.000Z'));

    expect((await findAll({ createdOn: '2024-03-01' }, 1)).ids).toEqual([a, b]);
    expect((await findAll({ updatedOn: '2024-03-01' })).ids).toEqual([b]);
    expect((await findAll({ updatedOn: '2024-03-05' })).ids).toEqual([a]);
  });

  it('still answers GET /contacts?email= with the contact and its timeline', async () => {
    const id = await upsert({ email: `exact-${run}@acme.example` });

    const result = await find({ email: `EXACT-${run}@acme.example` });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ contact: { contactId: id }, timeline: { items: [expect.objectContaining({ type: 'contact.upserted' })] } });
  });

  it.each([
    ['two searches at once', { tag: 'a', stage: 'lead' }],
    ['a one-character prefix', { emailPrefix: 'a' }],
    ['an unknown stage', { stage: 'nope' }],
    ['an impossible day', { createdOn: '2024-02-30' }],
    ['a cursor it did not issue', { tag: 'a', cursor: 'bm90LWEtY3Vyc29y' }],
    ['a cursor of another search', { tag: 'a', cursor: Buffer.from(JSON.stringify({ PK: 'a', SK: 'b', GSI1PK: 'FIND#TAG#b', GSI1SK: 'c' })).toString('base64url') }],
  ])('answers 400 for %s', async (_case, query) => {
    const result = await find(query);

    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toMatchObject({ error: expect.stringMatching(/^invalid_(query|cursor)$/) });
  });

  it('indexes contacts written by other paths once the reactor has seen their events, and follows stage changes', async () => {
    const email = `form-${run}@acme.example`;
    const { contactId } = await contacts.recordSubmission(
      email,
      { formId: 'demo-request', fields: { email, first_name: 'Form', last_name: `Filler${run}` }, utm: {} },
      new Date(),
    );
    expect((await findAll({ name: `filler${run}` })).ids).toEqual([]);

    const react = makeReactor({
      store: new DynamoReactorStore(table.documentClient, table.tableName),
      journeys: { start: async () => ({ type: 'Started' }), stop: async () => ({ type: 'NotRunning' }), resume: async () => ({ type: 'NotWaiting' }) },
      clock: { now: () => new Date() },
      logger: memoryLogger(),
    });
    const records = (await readStream(table)).filter(
      (record) => matchesFilter(record) && unmarshall(record.dynamodb!.NewImage as never).contactId === contactId,
    );
    await react({ Records: records });

    expect((await findAll({ name: `filler${run}` })).ids).toEqual([contactId]);
    expect((await findAll({ emailPrefix: `form-${run}` })).ids).toEqual([contactId]);

    // A stage written behind the index's back (as scoring does, without updatedAt) is not listed under the old one.
    await table.documentClient.send(
      new UpdateCommand({ TableName: table.tableName, Key: keys.profile(contactId), UpdateExpression: 'SET stage = :s, stageChangedAt = :at', ExpressionAttributeValues: { ':s': 'lead', ':at': new Date().toISOString() } }),
    );
    expect((await findAll({ stage: lifecycle.initial }, 100)).ids).not.toContain(contactId);
  });

  it('backfills contacts written before the index existed, and writes nothing on a second run', async () => {
    const email = `old-${run}@acme.example`;
    const { contactId } = await contacts.recordSubmission(email, { formId: 'newsletter', fields: { email, first_name: `Oldtimer${run}` }, utm: {} }, new Date());
    expect((await findAll({ name: `oldtimer${run}` })).ids).toEqual([]);

    const first = await reindexAll({ db: table.documentClient, tableName: table.tableName, initialStage: lifecycle.initial });
    const second = await reindexAll({ db: table.documentClient, tableName: table.tableName, initialStage: lifecycle.initial });

    expect(first.written).toBeGreaterThanOrEqual(1);
    expect(second.written).toBe(0);
    expect((await findAll({ name: `oldtimer${run}` })).ids).toEqual([contactId]);
  });
});

describe('search keys', () => {
  it('never cut a character in half: a name or email prefix ending in an emoji keeps it whole or leaves it out', () => {
    const halves = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
    expect(searchPartition('name', 'a😀b')).toBe('FIND#NAME#a');
    expect(searchPartition('emailPrefix', '😀b')).toBe('FIND#EMAIL#😀');
    expect(foldName(`${'a'.repeat(99)}😀`)).not.toMatch(halves);
  });
});
