import * as z from 'zod';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { DynamoEmailStore } from './dynamo-email-store';
import { makeSesEvents } from './ses-events';

const env = parseEnv({ TABLE_NAME: z.string().min(1) });

export const handler = makeSesEvents({
  store: new DynamoEmailStore(documentClient, env.TABLE_NAME),
  logger: createLogger('ses-events'),
});
