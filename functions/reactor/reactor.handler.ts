import * as z from 'zod';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { DynamoReactions } from './dynamo-reactions';
import { makeReactor } from './reactor';

const env = parseEnv({ TABLE_NAME: z.string().min(1) });

export const handler = makeReactor({
  reactions: new DynamoReactions(documentClient, env.TABLE_NAME),
  clock: systemClock,
  logger: createLogger('reactor'),
});
