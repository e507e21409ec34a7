import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { stepFunctions } from '../shared/sfn';
import { DynamoJourneyStore } from './dynamo-journey-store';
import { makeJourneyMigrate } from './journey-migrate';
import { journeys } from './journeys';

const env = environmentFor('journeyMigrate');

/** After every deploy (a CDK trigger) and on a schedule: each journey's `on_change` applied to its older versions. */
export const handler = makeJourneyMigrate({
  sfn: stepFunctions,
  stateMachineArnPrefix: env.JOURNEY_STATE_MACHINE_ARN_PREFIX,
  journeyIds: [...journeys.keys()],
  store: new DynamoJourneyStore(documentClient, env.TABLE_NAME),
  clock,
  logger: createLogger('journey-migrate'),
});
