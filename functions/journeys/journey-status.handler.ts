import * as z from 'zod';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { createLogger } from '../shared/logger';
import { DynamoJourneyStore } from './dynamo-journey-store';
import { makeJourneyStatus } from './journey-status';

const env = parseEnv({ TABLE_NAME: z.string().min(1) });

export const handler = makeJourneyStatus({
  store: new DynamoJourneyStore(documentClient, env.TABLE_NAME),
  logger: createLogger('journey-status'),
});
