import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { attributeFields, emailTopics } from '../../functions/contacts/attribute-fields';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { DynamoContactUpserts } from '../../functions/contacts/dynamo-upsert';
import { DynamoJourneyStore } from '../../functions/journeys/dynamo-journey-store';
import { journeys } from '../../functions/journeys/journeys';
import { makeJourneysApiHandler, type JourneysApiDeps } from '../../functions/journeys/journeys-api';
import { MetricsJourneyStepCounts } from '../../functions/journeys/metrics-step-counts';
import { DynamoMetrics } from '../../functions/reports/dynamo-metrics';
import { staticToken } from '../../functions/shared/admin-auth';
import { EventName } from '../../functions/shared/events';
import type { HttpResult } from '../../functions/shared/http';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

const ADMIN_TOKEN = 'admin-token-for-journeys-tests';
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
let table: TestTable;
let contacts: DynamoContacts;

beforeAll(async () => {
  table = await createTestTable();
  contacts = new DynamoContacts(table.documentClient, table.tableName);
});

function api(overrides: Partial<JourneysApiDeps> = {}) {
  const handler = makeJourneysApiHandler({
    journeys,
    contacts,
    store: new DynamoJourneyStore(table.documentClient, table.tableName),
    stepCounts: new MetricsJourneyStepCounts(new DynamoMetrics(table.documentClient, table.tableName)),
    executions: { stop: async () => ({ type: 'Stopped' as const }) },
    signingSecret: staticToken('journey-signing-secret-for-tests'),
    clock: { now: () => new Date() },
    logger: memoryLogger(),
    createContacts: {
      upserts: new DynamoContactUpserts(table.documentClient, table.tableName, 'subscriber'),
      rules: { fields: attributeFields(), topics: emailTopics, isDisposable: () => false },
    },
    ...overrides,
  });
  return (body: unknown) =>
    handler(
      httpEvent({
        routeKey: 'POST /journeys/{journeyId}/enrollments',
        path: '/journeys/welcome/enrollments',
        pathParameters: { journeyId: 'welcome' },
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
      lambdaContext(),
    ) as Promise<HttpResult>;
}

const email = () => `new-${randomUUID()}@acme.example`;
const typesOf = async (contactId: string) => (await table.partition(`CONTACT#${contactId}`)).map((item) => item.type).filter(Boolean);

describe('POST /journeys/{id}/enrollments for someone new', () => {
  it('creates the contact from the attributes and the consent the caller states, then enrols it', async () => {
    const address = email();

    const result = await api()({
      email: address,
      create: true,
      attributes: { first_name: 'Nia', budget: '2,500' },
      consents: [{ topic: 'newsletter', status: 'subscribed', basis: 'api', source: 'zapier' }],
    });

    expect(result.statusCode).toBe(200);
    const [enrolled] = (bodyOf(result) as { results: { result: string; contactId: string }[] }).results;
    expect(enrolled).toMatchObject({ result: 'enrolled', contactId: expect.any(String) });
    const contact = await contacts.get(enrolled!.contactId);
    expect(contact).toMatchObject({
      email: address,
      attributes: { first_name: 'Nia', budget: 2500 },
      subscriptions: { newsletter: { status: 'subscribed', basis: 'api', source: 'zapier' } },
    });
    expect((await typesOf(enrolled!.contactId)).sort()).toEqual([EventName.ContactUpserted, EventName.JourneyEnrollmentRequested].sort());
    const upserted = (await table.partition(`CONTACT#${enrolled!.contactId}`)).find((item) => item.type === EventName.ContactUpserted);
    expect(upserted?.data).toMatchObject({ via: 'enrollment', journeyId: 'welcome', created: true });
  });

  it('answers 404 JSON for an unknown email without "create": true, and creates nothing', async () => {
    const address = email();

    const result = await api()({ email: address, attributes: { first_name: 'Nia' } });

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ error: 'not_found', message: expect.stringContaining('"create": true') });
    expect(await contacts.findIdByEmail(address)).toBeUndefined();
  });

  it('answers 404 when the deployment does not create contacts, even with "create": true', async () => {
    const address = email();

    const result = await api({ createContacts: undefined })({ email: address, create: true });

    expect(result.statusCode).toBe(404);
    expect(await contacts.findIdByEmail(address)).toBeUndefined();
  });

  it('answers 400 naming each bad field of the contact it would create, and creates nothing', async () => {
    const address = email();

    const result = await api()({
      email: address,
      create: true,
      attributes: { budget: 'lots' },
      consents: [{ topic: 'nope', status: 'subscribed', basis: 'api', source: 'zapier' }],
    });

    expect(result.statusCode).toBe(400);
    expect((bodyOf(result) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['attributes.budget', 'consents.0.topic']);
    expect(await contacts.findIdByEmail(address)).toBeUndefined();
  });

  it('answers per contact in a batch: created and enrolled, invalid, or not eligible', async () => {
    const [created, invalid, unknown] = [email(), email(), email()];

    const result = await api()({
      contacts: [
        { email: created, create: true },
        { email: invalid, create: true, attributes: { budget: 'lots' } },
        { email: unknown },
      ],
    });

    expect(result.statusCode).toBe(200);
    expect((bodyOf(result) as { results: unknown[] }).results).toEqual([
      { result: 'enrolled', contactId: expect.any(String), eventId: expect.any(String) },
      { result: 'invalid', errors: [{ field: 'attributes.budget', message: 'must be a number' }] },
      { result: 'not_eligible', reason: 'no contact with this email' },
    ]);
  });

  it('enrols a known email with "create": true as any known contact', async () => {
    const address = email();
    const { contactId } = await contacts.recordSubmission(address, { formId: 'newsletter', fields: { email: address }, utm: {} }, new Date());

    const result = await api()({ email: address, create: true, attributes: { plan: 'pro' } });

    expect((bodyOf(result) as { results: unknown[] }).results).toEqual([expect.objectContaining({ result: 'enrolled', contactId })]);
    expect((await contacts.get(contactId))?.attributes).toMatchObject({ plan: 'pro' });
  });
});
