import * as z from 'zod';
import { tokenFromEnv } from '../shared/admin-auth';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { DynamoContacts } from './dynamo-contacts';
import { makeReadContactsHandler } from './read-contacts';

const env = parseEnv({
  TABLE_NAME: z.string().min(1),
});

export const handler = makeReadContactsHandler({
  contacts: new DynamoContacts(documentClient, env.TABLE_NAME),
  adminToken: tokenFromEnv(process.env, 'ADMIN_TOKEN'),
  logger: createLogger('contacts'),
});
