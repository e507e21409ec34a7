import * as z from 'zod';
import { tokenFromEnv } from '../shared/admin-auth';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { lifecycle, scoringRules } from './domain/content';
import { DynamoScoreReader, makeReadScoreHandler } from './read-score';

const env = parseEnv({
  TABLE_NAME: z.string().min(1),
});

export const handler = makeReadScoreHandler({
  reader: new DynamoScoreReader(documentClient, env.TABLE_NAME),
  rules: scoringRules,
  lifecycle,
  adminToken: tokenFromEnv(process.env, 'ADMIN_TOKEN'),
  clock: systemClock,
  logger: createLogger('scoring'),
});
