import * as z from 'zod';
import { secretToken, staticToken } from '../shared/admin-auth';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { DynamoContacts } from './dynamo-contacts';
import { makeReadContactsHandler } from './read-contacts';

const env = parseEnv({
  TABLE_NAME: z.string().min(1),
  /** In AWS: the Secrets Manager secret holding the admin token. */
  ADMIN_TOKEN_SECRET_ARN: z.string().min(1).optional(),
  /** Locally: the token itself (the local runtime sets it). */
  ADMIN_TOKEN: z.string().min(16).optional(),
});
if (!env.ADMIN_TOKEN_SECRET_ARN && !env.ADMIN_TOKEN) {
  throw new Error('Invalid environment: ADMIN_TOKEN_SECRET_ARN or ADMIN_TOKEN is required');
}

export const handler = makeReadContactsHandler({
  contacts: new DynamoContacts(documentClient, env.TABLE_NAME),
  adminToken: env.ADMIN_TOKEN_SECRET_ARN ? secretToken(env.ADMIN_TOKEN_SECRET_ARN) : staticToken(env.ADMIN_TOKEN!),
  logger: createLogger('contacts'),
});
