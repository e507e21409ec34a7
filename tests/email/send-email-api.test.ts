import { describe, expect, it } from 'vitest';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import type { Mailer } from '../../functions/email/ports';
import { makeSendEmailApi } from '../../functions/email/send-email-api';
import { bodyOf, httpEvent, lambdaContext } from '../support/http';
import type { TestTable } from '../support/table';
import { createContact, sendDeps, type LocalSes, useTableAndSes } from './support';

let table: TestTable;
let ses: LocalSes;
useTableAndSes((t, s) => {
  table = t;
  ses = s;
});

const token = 'test-admin-token-0123456789';

function api(overrides: { mailer?: Mailer } = {}) {
  const contacts = new DynamoContacts(table.documentClient, table.tableName);
  return makeSendEmailApi({
    ...sendDeps(table, ses, overrides),
    findIdByEmail: (email) => contacts.findIdByEmail(email),
  });
}

const post = (body: unknown, headers: Record<string, string> = {}) =>
  httpEvent({
    routeKey: 'POST /emails/send',
    path: '/emails/send',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('POST /emails/send', () => {
  it('sends a template to a contact found by email, with the caller\'s data', async () => {
    const { email } = await createContact(table);

    const result = await api()(post({ email, templateId: 'trial-ending-soon', data: { days_left: 2 } }), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toMatchObject({ outcome: 'sent', messageId: expect.any(String) });
    expect((await ses.emails())[0]?.subject).toBe('Your trial ends in 2 days');
  });

  it('sends every request without an Idempotency-Key, and once per key with one', async () => {
    const { contactId } = await createContact(table);
    const send = api();

    await send(post({ contactId, templateId: 'rep-will-call' }), lambdaContext());
    await send(post({ contactId, templateId: 'rep-will-call' }), lambdaContext());
    await send(post({ contactId, templateId: 'rep-will-call' }, { 'idempotency-key': `k-${contactId}` }), lambdaContext());
    const repeat = await send(post({ contactId, templateId: 'rep-will-call' }, { 'idempotency-key': `k-${contactId}` }), lambdaContext());

    expect(bodyOf(repeat)).toMatchObject({ outcome: 'sent', duplicate: true });
    expect(await ses.emails()).toHaveLength(3);
  });

  it('answers the guard\'s outcome, not an error, for a suppressed contact', async () => {
    const { contactId } = await createContact(table);
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    await table.documentClient.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: { PK: `CONTACT#${contactId}`, SK: 'PROFILE' },
        UpdateExpression: 'SET suppressed = :s',
        ExpressionAttributeValues: { ':s': { reason: 'complaint', at: '2026-03-02T00:00:00Z' } },
      }),
    );

    const result = await api()(post({ contactId, templateId: 'rep-will-call' }), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ outcome: 'skipped', reason: 'suppressed' });
  });

  it('refuses bad requests with the field at fault, and unknown contacts with 404', async () => {
    const { contactId } = await createContact(table);
    const send = api();

    const unknownTemplate = await send(post({ contactId, templateId: 'nope' }), lambdaContext());
    const both = await send(post({ contactId, email: 'a@example.com', templateId: 'welcome' }), lambdaContext());
    const malformed = await send(post('{'), lambdaContext());
    const unknownEmail = await send(post({ email: 'nobody@example.com', templateId: 'welcome' }), lambdaContext());

    expect(unknownTemplate.statusCode).toBe(422);
    expect(bodyOf(unknownTemplate).errors).toEqual([{ field: 'templateId', message: 'no template "nope"' }]);
    expect(both.statusCode).toBe(422);
    expect(malformed.statusCode).toBe(400);
    expect(unknownEmail.statusCode).toBe(404);
    expect(await ses.emails()).toHaveLength(0);
  });

  it('answers 503 with Retry-After when SES throttles, and 401 without a key', async () => {
    const { contactId } = await createContact(table);
    const throttled: Mailer = {
      send: async () => {
        const { SesThrottled } = await import('../../functions/email/ports');
        throw new SesThrottled('throttled');
      },
    };

    const busy = await api({ mailer: throttled })(post({ contactId, templateId: 'rep-will-call' }), lambdaContext());
    const anonymous = await api()(post({ contactId, templateId: 'rep-will-call' }, { authorization: '' }), lambdaContext());

    expect(busy.statusCode).toBe(503);
    expect(busy.headers['retry-after']).toBe('5');
    expect(anonymous.statusCode).toBe(401);
  });
});
