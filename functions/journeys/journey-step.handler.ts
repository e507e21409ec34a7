import { documentClient } from '../shared/aws';
import { tokenFromEnv } from '../shared/admin-auth';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { stageRankOf } from '../scoring/domain/content';
import { DynamoJourneyStore } from './dynamo-journey-store';
import { HttpWebhooks } from './http-webhooks';
import { makeJourneyStep } from './journey-step';

const env = environmentFor('journeyStep');

export const handler = makeJourneyStep({
  store: new DynamoJourneyStore(documentClient, env.TABLE_NAME),
  // Locally webhooks may reach loopback over http (the local receivers).
  webhooks: new HttpWebhooks(tokenFromEnv(env, 'JOURNEY_SIGNING_SECRET'), { allowLoopback: env.NURTURE_LOCAL === '1' }),
  clock,
  logger: createLogger('journey-step'),
  stageRank: stageRankOf,
});
