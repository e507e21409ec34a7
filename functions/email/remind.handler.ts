import * as z from 'zod';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { DynamoEmailStore } from './dynamo-email-store';
import { reactorEmailsFrom } from './reactor-emails';
import { makeRemind } from './remind';

const env = parseEnv({ TABLE_NAME: z.string().min(1) });
const emails = reactorEmailsFrom(process.env);
if (!emails) throw new Error('Invalid environment: PUBLIC_BASE_URL and EMAIL_SIGNING_KEYS(_SECRET_ARN) are required');

export const handler = makeRemind({
  store: new DynamoEmailStore(documentClient, env.TABLE_NAME),
  emails,
  clock: systemClock,
  logger: createLogger('email-reminders'),
});
