import { tokenFromEnv } from '../shared/admin-auth';
import { documentClient } from '../shared/aws';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoContacts } from './dynamo-contacts';
import { makeReadContactsHandler } from './read-contacts';

const env = environmentFor('readContacts');

export const handler = makeReadContactsHandler({
  contacts: new DynamoContacts(documentClient, env.TABLE_NAME),
  adminToken: tokenFromEnv(env, 'ADMIN_TOKEN'),
  logger: createLogger('contacts'),
});
