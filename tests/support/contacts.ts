import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { DynamoContactUpserts } from '../../functions/contacts/dynamo-upsert';
import { createTestTable } from './table';

/** A fresh test table with the contacts adapters built on it (upserts without a suppression key). */
export async function contactsOnTestTable() {
  const table = await createTestTable();
  return {
    table,
    contacts: new DynamoContacts(table.documentClient, table.tableName),
    upserts: new DynamoContactUpserts(table.documentClient, table.tableName, 'subscriber'),
  };
}
