import * as z from 'zod';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { stageRankOf } from '../scoring/domain/content';
import { DynamoJourneyStore } from './dynamo-journey-store';
import { HttpWebhooks } from './http-webhooks';
import { makeJourneyStep } from './journey-step';
import { tokenFromEnv } from '../shared/admin-auth';

const env = parseEnv({
  TABLE_NAME: z.string().min(1),
  /** Only the local runtime sets it: webhooks may then reach loopback over http. */
  NURTURE_LOCAL: z.string().optional(),
});

export const handler = makeJourneyStep({
  store: new DynamoJourneyStore(documentClient, env.TABLE_NAME),
  webhooks: new HttpWebhooks(tokenFromEnv(process.env, 'JOURNEY_SIGNING_SECRET'), { allowLoopback: Boolean(env.NURTURE_LOCAL) }),
  clock: systemClock,
  logger: createLogger('journey-step'),
  stageRank: stageRankOf,
});
