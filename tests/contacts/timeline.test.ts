import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { CorruptItem } from '../../functions/contacts/contacts';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { keys } from '../../functions/shared/keys';
import { createTestTable, type TestTable } from '../support/table';

let table: TestTable;
let contacts: DynamoContacts;

beforeAll(async () => {
  table = await createTestTable();
  contacts = new DynamoContacts(table.documentClient, table.tableName);
});

let n = 0;
async function newContact() {
  const email = `t-${n++}@example.com`;
  const { contactId } = await contacts.recordSubmission(
    email,
    { formId: 'demo-request', fields: { email, first_name: 'T' }, utm: {} },
    new Date('2026-11-20T10:00:00.000Z'),
  );
  return contactId;
}

const formEvent = (occurredAt: string, eventId?: string) => ({
  type: 'form.submitted' as const,
  occurredAt,
  data: { formId: 'demo-request', fields: { first_name: 'Again' }, utm: { utm_source: 'crm' } },
  ...(eventId ? { eventId } : {}),
});

describe('appendEvent', () => {
  it('appends an event to an existing contact, where the timeline reads it back parsed, newest first', async () => {
    const contactId = await newContact();

    const outcome = await contacts.appendEvent(contactId, formEvent('2026-11-21T10:00:00.000Z'));
    const { items } = await contacts.timeline(contactId, { limit: 10 });

    expect(outcome).toMatchObject({ type: 'Appended', event: { contactId, type: 'form.submitted' } });
    expect(items.map((event) => event.occurredAt)).toEqual(['2026-11-21T10:00:00.000Z', '2026-11-20T10:00:00.000Z']);
    expect(items[0]).toEqual(outcome.type === 'Appended' ? outcome.event : undefined);
  });

  it('recognises a second append of the same deterministic event id and writes nothing', async () => {
    const contactId = await newContact();

    const first = await contacts.appendEvent(contactId, formEvent('2026-11-21T10:00:00.000Z', 'provider-message-1'));
    const second = await contacts.appendEvent(contactId, formEvent('2026-11-21T10:00:05.000Z', 'provider-message-1'));

    expect([first.type, second]).toEqual(['Appended', { type: 'AlreadyAppended', eventId: 'provider-message-1' }]);
    expect((await contacts.timeline(contactId, { limit: 10 })).items).toHaveLength(2);
  });

  it('refuses to append to a contact that does not exist, leaving no orphan event', async () => {
    const outcome = await contacts.appendEvent('NO-SUCH-CONTACT', formEvent('2026-11-21T10:00:00.000Z'));

    expect(outcome).toEqual({ type: 'NoSuchContact' });
    expect(await table.partition(keys.profile('NO-SUCH-CONTACT').PK)).toEqual([]);
  });

  it('refuses an event that does not match its type schema before writing anything', async () => {
    const contactId = await newContact();
    const invalid = { type: 'form.submitted', occurredAt: 'yesterday', data: {} } as never;

    await expect(contacts.appendEvent(contactId, invalid)).rejects.toThrow();
    expect((await contacts.timeline(contactId, { limit: 10 })).items).toHaveLength(1);
  });
});

describe('reading stored items back', () => {
  it('fails loudly, naming the item, when a stored event no longer matches its schema', async () => {
    const contactId = await newContact();
    await table.documentClient.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...keys.event(contactId, '01ZZZZZZZZZZZZZZZZZZZZZZZZ'), type: 'renamed.event', contactId },
      }),
    );

    await expect(contacts.timeline(contactId, { limit: 10 })).rejects.toThrow(CorruptItem);
  });
});
