import { beforeAll, describe, expect, it } from 'vitest';
import { attributeFields, emailTopics } from '../../functions/contacts/attribute-fields';
import { makeContactsOutHandler } from '../../functions/contacts/contacts-out';
import { DynamoContactData } from '../../functions/contacts/dynamo-contact-data';
import { DynamoContactUpserts } from '../../functions/contacts/dynamo-upsert';
import { makeImportContactsHandler } from '../../functions/contacts/import-contacts';
import { makeUpsertContactHandler } from '../../functions/contacts/upsert-contact';
import { disposableDomains } from '../../functions/forms/disposable-domains';
import { DynamoIntake } from '../../functions/forms/dynamo-intake';
import { forms } from '../../functions/forms/forms';
import { Signer } from '../../functions/forms/signing';
import { makeSubmitFormHandler } from '../../functions/forms/submit-form';
import { journeys } from '../../functions/journeys/journeys';
import { DynamoJourneyStore } from '../../functions/journeys/dynamo-journey-store';
import { makeJourneysApiHandler } from '../../functions/journeys/journeys-api';
import { MetricsJourneyStepCounts } from '../../functions/journeys/metrics-step-counts';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { DynamoMetrics } from '../../functions/reports/dynamo-metrics';
import { staticToken } from '../../functions/shared/admin-auth';
import { keys } from '../../functions/shared/keys';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

const TOKEN = 'test-admin-token-0123456789';
const SUPPRESSION_KEY = 'test-suppression-key-0123456789';
const clock = { now: () => new Date('2026-11-23T10:00:00.000Z') };

let table: TestTable;
let submit: ReturnType<typeof makeSubmitFormHandler>;
let contactsOut: ReturnType<typeof makeContactsOutHandler>;
let upsert: ReturnType<typeof makeUpsertContactHandler>;
let importRows: ReturnType<typeof makeImportContactsHandler>;
let journeysApi: ReturnType<typeof makeJourneysApiHandler>;

beforeAll(async () => {
  table = await createTestTable();
  submit = makeSubmitFormHandler({
    forms,
    intake: new DynamoIntake(table.documentClient, table.tableName, async () => SUPPRESSION_KEY),
    clock,
    logger: memoryLogger(),
    signer: new Signer(async () => 'test-signing-key-0123456789'),
    captcha: { verify: async () => true },
    isDisposable: disposableDomains(),
    publicUrl: 'https://forms.example.com',
  });
  contactsOut = makeContactsOutHandler({
    data: new DynamoContactData(table.documentClient, table.tableName),
    executions: { stop: async () => ({ type: 'NotRunning' }) },
    suppressionKey: async () => SUPPRESSION_KEY,
    clock,
    logger: memoryLogger(),
  });
  const upserts = new DynamoContactUpserts(table.documentClient, table.tableName, 'subscriber', async () => SUPPRESSION_KEY);
  const rules = { fields: attributeFields(), topics: emailTopics, isDisposable: disposableDomains() };
  upsert = makeUpsertContactHandler({ upserts, rules, clock, logger: memoryLogger() });
  importRows = makeImportContactsHandler({ upserts, rules, clock, logger: memoryLogger() });
  journeysApi = makeJourneysApiHandler({
    journeys,
    contacts: new DynamoContacts(table.documentClient, table.tableName),
    store: new DynamoJourneyStore(table.documentClient, table.tableName),
    stepCounts: new MetricsJourneyStepCounts(new DynamoMetrics(table.documentClient, table.tableName)),
    executions: { stop: async () => ({ type: 'Stopped' as const }) },
    signingSecret: staticToken('journey-signing-secret-for-tests'),
    clock,
    logger: memoryLogger(),
    createContacts: { upserts, rules },
  });
});

let sequence = 0;
const jsonPost = (body: Record<string, unknown>) =>
  submit(httpEvent({ headers: { 'content-type': 'application/json', accept: '*/*' }, body: JSON.stringify(body) }), lambdaContext());
const browserPost = (fields: Record<string, string>) =>
  submit(
    httpEvent({
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin: 'https://forms.example.com' },
      body: new URLSearchParams(fields).toString(),
    }),
    lambdaContext(),
  );
const erase = (contactId: string) =>
  contactsOut(
    httpEvent({ routeKey: 'DELETE /contacts/{contactId}', path: `/contacts/${contactId}`, pathParameters: { contactId }, headers: { authorization: `Bearer ${TOKEN}` } }),
    lambdaContext(),
  );

/** A contact created by a form post, then erased: its address is on the suppression list. */
async function erasedPerson() {
  const email = `Erased.Person-${sequence++}@Example.com`;
  const created = await jsonPost({ email, first_name: 'Ada' });
  const contactId = String(bodyOf(created).contactId);
  expect((await erase(contactId)).statusCode).toBe(200);
  return { email, contactId };
}

describe('a form post for an erased address', () => {
  it('is refused with a 422 naming the consent box, and writes nothing, without fresh consent', async () => {
    const { email } = await erasedPerson();
    const before = await table.scan();

    const result = await jsonPost({ email: `  ${email.toUpperCase()} `, first_name: 'Ada' });

    expect(result.statusCode).toBe(422);
    expect(bodyOf(result)).toMatchObject({ error: 'consent_required', errors: [{ field: 'consent' }] });
    expect(await table.scan()).toEqual(before);
  });

  it('shows a browser a page saying why, not a server error', async () => {
    const { email } = await erasedPerson();

    const result = await browserPost({ email, first_name: 'Ada' });

    expect(result.statusCode).toBe(422);
    expect(result.body).toContain('consent');
  });

  it('creates a new contact when the consent box is ticked', async () => {
    const { email, contactId } = await erasedPerson();

    const result = await jsonPost({ email, first_name: 'Ada', marketing_consent: 'on' });

    expect(result.statusCode).toBe(201);
    const newId = String(bodyOf(result).contactId);
    expect(newId).not.toBe(contactId);
    const [claim] = await table.partition(keys.email(email.toLowerCase()).PK);
    expect(claim).toMatchObject({ contactId: newId });
  });

  it('changes nothing for an address that was never erased', async () => {
    const result = await jsonPost({ email: `never-erased-${sequence++}@example.com`, first_name: 'Ada' });

    expect(result.statusCode).toBe(201);
  });
});

const admin = (routeKey: string, path: string, body: string, contentType = 'application/json', pathParameters: Record<string, string> = {}) =>
  httpEvent({ routeKey, path, pathParameters, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType }, body });
const putContact = (body: Record<string, unknown>) => upsert(admin('PUT /contacts', '/contacts', JSON.stringify(body)), lambdaContext());
const subscribed = [{ topic: 'newsletter', status: 'subscribed', basis: 'api', source: 'signup-desk' }];

describe('the contacts API for an erased address', () => {
  it('PUT /contacts is refused with 422 consent_required and writes nothing without a consent stated now', async () => {
    const { email } = await erasedPerson();
    const before = await table.scan();

    const result = await putContact({ email, attributes: { first_name: 'Ada' } });

    expect(result.statusCode).toBe(422);
    expect(bodyOf(result)).toMatchObject({ error: 'consent_required', message: expect.stringMatching(/erased/) });
    expect(await table.scan()).toEqual(before);
  });

  it('PUT /contacts creates a new contact with a consent stated now', async () => {
    const { email, contactId } = await erasedPerson();

    const result = await putContact({ email, consents: subscribed });

    expect(result.statusCode).toBe(201);
    expect(bodyOf(result).contactId).not.toBe(contactId);
  });

  it('an import rejects the row, even with a consent column, and imports the others', async () => {
    const { email } = await erasedPerson();
    const other = `imported-${sequence++}@example.com`;
    const consents = [{ topic: 'newsletter', status: 'subscribed', basis: 'import', source: 'old-list.csv' }];
    const lines = [
      { row: 2, contact: { email, consents } },
      { row: 3, contact: { email: other, consents } },
    ];

    const result = await importRows(
      admin('POST /contacts/import', '/contacts/import', lines.map((line) => JSON.stringify(line)).join('\n'), 'application/x-ndjson'),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(200);
    const results = bodyOf(result).results as { row: number; result: string; reasons?: string[] }[];
    expect(results.map((row) => row.result)).toEqual(['rejected', 'created']);
    expect(results[0]!.reasons![0]).toMatch(/^email: .*erased/);
    expect(await table.partition(keys.email(email.toLowerCase()).PK)).toEqual([]);
  });

  it('an enrolment that would create the contact is refused with 422 unless it states a consent given now', async () => {
    const { email } = await erasedPerson();
    const enrol = (body: Record<string, unknown>) =>
      journeysApi(admin('POST /journeys/{journeyId}/enrollments', '/journeys/welcome/enrollments', JSON.stringify(body), 'application/json', { journeyId: 'welcome' }), lambdaContext());

    const refused = await enrol({ email, create: true });
    const created = await enrol({ email, create: true, consents: subscribed });

    expect(refused.statusCode).toBe(422);
    expect(bodyOf(refused)).toMatchObject({ error: 'consent_required' });
    expect(created.statusCode).toBe(200);
    expect(bodyOf(created)).toMatchObject({ results: [{ result: 'enrolled', contactId: expect.any(String) }] });
  });
});
