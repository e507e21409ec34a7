import { tokenFromEnv } from '../shared/admin-auth';
import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { stepFunctions } from '../shared/sfn';
import { DynamoContacts } from '../contacts/dynamo-contacts';
import { upsertingFrom } from '../contacts/upsert-deps';
import { DynamoMetrics } from '../reports/dynamo-metrics';
import { stageRankOf } from '../scoring/domain/content';
import { DynamoJourneyStore } from './dynamo-journey-store';
import { journeys } from './journeys';
import { makeJourneysApiHandler } from './journeys-api';
import { MetricsJourneyStepCounts } from './metrics-step-counts';
import { SfnJourneys } from './sfn-journeys';

const env = environmentFor('journeysApi');
const metrics = new DynamoMetrics(documentClient, env.TABLE_NAME);

export const handler = makeJourneysApiHandler({
  journeys,
  contacts: new DynamoContacts(documentClient, env.TABLE_NAME),
  store: new DynamoJourneyStore(documentClient, env.TABLE_NAME),
  stepCounts: new MetricsJourneyStepCounts(metrics),
  metrics,
  executions: new SfnJourneys(stepFunctions, env.JOURNEY_STATE_MACHINE_ARN_PREFIX),
  signingSecret: tokenFromEnv(env, 'JOURNEY_SIGNING_SECRET'),
  clock,
  logger: createLogger('journeys'),
  stageRank: stageRankOf,
  createContacts: upsertingFrom(env),
});
