import { environmentFor } from '../shared/environment';
import { makeImportContactsHandler } from './import-contacts';
import { upsertingFrom } from './upsert-deps';

const env = environmentFor('importContacts');

export const handler = makeImportContactsHandler({ ...upsertingFrom(env) });
