import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JourneyDecisionOf } from '../../functions/journeys/domain/decisions';
import { DynamoReactorStore } from '../../functions/reactor/dynamo-reactor-store';
import { makeReactor } from '../../functions/reactor/reactor';
import { matchesFilter } from '../../functions/reactor/stream-filter';
import { keys } from '../../functions/shared/keys';
import { readStream } from '../support/stream';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { makeUnsubscribeContactHandler } from '../../functions/contacts/unsubscribe-contact';
import { DynamoEmailStore } from '../../functions/email/dynamo-email-store';
import { emailSettings } from '../../functions/email/email-settings';
import { bodyOf, grantedTo, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

const clock = { now: () => new Date('2026-11-20T12:00:00.000Z') };
const logger = memoryLogger();
let table: TestTable;
let contacts: DynamoContacts;
let unsubscribe: ReturnType<typeof makeUnsubscribeContactHandler>;

beforeAll(async () => {
  table = await createTestTable();
  contacts = new DynamoContacts(table.documentClient, table.tableName);
  unsubscribe = makeUnsubscribeContactHandler({
    contacts,
    consent: new DynamoEmailStore(table.documentClient, table.tableName),
    topics: emailSettings.topics.map((topic) => topic.id),
    clock,
    logger,
  });
});

async function newContact() {
  const email = `unsub-${Math.random()}@example.com`;
  const { contactId } = await contacts.recordSubmission(email, { formId: 'newsletter', fields: { email }, utm: {} }, new Date('2026-11-01T08:00:00.000Z'));
  return { contactId, email };
}

const post = (contactId: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }, scopes = 'contacts:write') =>
  unsubscribe(
    httpEvent({
      routeKey: 'POST /contacts/{contactId}/unsubscribe',
      path: `/contacts/${contactId}/unsubscribe`,
      pathParameters: { contactId },
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      authorizer: grantedTo(scopes),
    }),
    lambdaContext(),
  );

const consentEvents = async (contactId: string) =>
  (await contacts.timeline(contactId, { limit: 100 })).items.filter((event) => event.type === 'email.unsubscribed');

describe('POST /contacts/{contactId}/unsubscribe', () => {
  it("appends the preference page's email.unsubscribed event with source console and records the topic's subscription", async () => {
    const { contactId, email } = await newContact();

    const result = await post(contactId, { topic: 'newsletter' });

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ contactId, topic: 'newsletter', status: 'unsubscribed', changed: true });
    expect((await consentEvents(contactId)).map((event) => event.data)).toEqual([{ topic: 'newsletter', source: 'console' }]);
    expect((await contacts.get(contactId))?.subscriptions?.newsletter).toEqual({ status: 'unsubscribed', at: '2026-11-20T12:00:00.000Z', source: 'console' });
    expect(JSON.stringify(logger.lines)).not.toContain(email);
  });

  it('changes nothing for a topic the contact already left, and says so', async () => {
    const { contactId } = await newContact();
    await post(contactId, { topic: 'product' });

    const again = await post(contactId, { topic: 'product' });

    expect(again.statusCode).toBe(200);
    expect(bodyOf(again)).toEqual({ contactId, topic: 'product', status: 'unsubscribed', changed: false });
    expect(await consentEvents(contactId)).toHaveLength(1);
  });

  it('unsubscribes from all topics, as the preference page can, and then from no single topic again', async () => {
    const { contactId } = await newContact();

    const all = await post(contactId, { topic: 'all' });
    const one = await post(contactId, { topic: 'newsletter' });

    expect(bodyOf(all)).toMatchObject({ topic: 'all', changed: true });
    expect(bodyOf(one)).toMatchObject({ topic: 'newsletter', changed: false });
    expect((await consentEvents(contactId)).map((event) => event.data)).toEqual([{ topic: 'all', source: 'console' }]);
  });

  it('answers 422 naming the topics for a topic the content does not declare, and writes nothing', async () => {
    const { contactId } = await newContact();

    const result = await post(contactId, { topic: 'newsletters' });

    expect(result.statusCode).toBe(422);
    expect(bodyOf(result)).toMatchObject({ error: 'unknown_topic', errors: [{ field: 'topic' }] });
    expect(String(bodyOf(result).message)).toContain('newsletter, product, nurture, all');
    expect(await consentEvents(contactId)).toEqual([]);
  });

  it('answers 404 for an unknown contact', async () => {
    const result = await post('01HZZZZZZZZZZZZZZZZZZZZZZZ', { topic: 'newsletter' });

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ error: 'not_found' });
  });

  it('answers 4xx naming the problem for a bad id, a body that is not JSON, a missing topic or another media type', async () => {
    const { contactId } = await newContact();

    const badId = await post('not a contact!', { topic: 'newsletter' });
    const notJson = await post(contactId, '{"topic":');
    const missing = await post(contactId, {});
    const extra = await post(contactId, { topic: 'newsletter', resubscribe: true });
    const form = await post(contactId, 'topic=newsletter', { 'content-type': 'application/x-www-form-urlencoded' });

    expect([badId.statusCode, notJson.statusCode, missing.statusCode, extra.statusCode, form.statusCode]).toEqual([400, 400, 422, 422, 415]);
    expect(bodyOf(badId)).toMatchObject({ error: 'invalid_contact_id', errors: [{ field: 'contactId' }] });
    expect(bodyOf(notJson)).toMatchObject({ error: 'malformed_json' });
    expect(bodyOf(missing)).toMatchObject({ error: 'validation_failed', errors: [{ field: 'topic', message: 'is required' }] });
    expect(bodyOf(extra)).toMatchObject({ error: 'validation_failed' });
    expect(await consentEvents(contactId)).toEqual([]);
  });
});

describe('after a console unsubscribe', () => {
  it("the reactor exits the contact's journeys of that topic, as for the person's own unsubscribe", async () => {
    const stops: JourneyDecisionOf<'StopJourney'>[] = [];
    const reactor = makeReactor({
      store: new DynamoReactorStore(table.documentClient, table.tableName),
      journeys: {
        start: async () => ({ type: 'Started' }),
        stop: async (decision) => {
          stops.push(decision);
          return { type: 'Stopped' };
        },
        resume: async () => ({ type: 'NotWaiting' }),
      },
      handOffs: { enqueue: async () => {} },
      emails: { send: async () => {} },
      clock,
      logger: memoryLogger(),
    });
    const { contactId } = await newContact();
    const executionName = `welcome-${contactId}-e1`;
    await table.documentClient.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...keys.membership(contactId, 'welcome'), journeyId: 'welcome', executionName, status: 'running', entries: 1, enteredAt: '2026-11-01T08:00:01.000Z' },
      }),
    );

    await post(contactId, { topic: 'newsletter' });
    const records = (await readStream(table)).filter((record) => {
      if (!matchesFilter(record)) return false;
      const { PK, SK } = unmarshall(record.dynamodb!.NewImage as never) as { PK: string; SK: string };
      return PK === `CONTACT#${contactId}` && SK.startsWith('EVENT#') && unmarshall(record.dynamodb!.NewImage as never).type === 'email.unsubscribed';
    });
    expect(records).toHaveLength(1);
    expect((await reactor({ Records: records })).batchItemFailures).toEqual([]);

    expect(stops).toEqual([expect.objectContaining({ type: 'StopJourney', journeyId: 'welcome', executionName })]);
    const { Item } = await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: keys.membership(contactId, 'welcome') }));
    expect(Item).toMatchObject({ status: 'exited', endReason: 'unsubscribed' });
  });
});
