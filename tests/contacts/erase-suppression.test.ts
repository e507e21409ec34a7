import { beforeAll, describe, expect, it } from 'vitest';
import { makeContactsOutHandler } from '../../functions/contacts/contacts-out';
import { DynamoContactData } from '../../functions/contacts/dynamo-contact-data';
import { disposableDomains } from '../../functions/forms/disposable-domains';
import { DynamoIntake } from '../../functions/forms/dynamo-intake';
import { forms } from '../../functions/forms/forms';
import { Signer } from '../../functions/forms/signing';
import { makeSubmitFormHandler } from '../../functions/forms/submit-form';
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
  });
  contactsOut = makeContactsOutHandler({
    data: new DynamoContactData(table.documentClient, table.tableName),
    executions: { stop: async () => ({ type: 'NotRunning' }) },
    suppressionKey: async () => SUPPRESSION_KEY,
    clock,
    adminToken: staticToken(TOKEN),
    logger: memoryLogger(),
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
