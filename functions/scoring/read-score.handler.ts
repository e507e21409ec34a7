import * as z from 'zod';
import { secretToken, staticToken } from '../shared/admin-auth';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { lifecycle, scoringRules } from './domain/content';
import { DynamoScoreReader, makeReadScoreHandler } from './read-score';

const env = parseEnv({
  TABLE_NAME: z.string().min(1),
  ADMIN_TOKEN_SECRET_ARN: z.string().min(1).optional(),
  ADMIN_TOKEN: z.string().min(16).optional(),
});
if (!env.ADMIN_TOKEN_SECRET_ARN && !env.ADMIN_TOKEN) {
  throw new Error('Invalid environment: ADMIN_TOKEN_SECRET_ARN or ADMIN_TOKEN is required');
}

export const handler = makeReadScoreHandler({
  reader: new DynamoScoreReader(documentClient, env.TABLE_NAME),
  rules: scoringRules,
  lifecycle,
  adminToken: env.ADMIN_TOKEN_SECRET_ARN ? secretToken(env.ADMIN_TOKEN_SECRET_ARN) : staticToken(env.ADMIN_TOKEN!),
  clock: systemClock,
  logger: createLogger('scoring'),
});
