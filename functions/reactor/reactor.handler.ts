import { SfnJourneys } from '../journeys/sfn-journeys';
import { documentClient } from '../shared/aws';
import { stepFunctions } from '../shared/sfn';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsHandOffQueue } from '../crm/sqs-hand-off-queue';
import { DynamoReactorStore } from './dynamo-reactor-store';
import { makeReactor } from './reactor';
import { reactorEmailsFrom } from '../email/reactor-emails';

const env = environmentFor('reactor');

export const handler = makeReactor({
  store: new DynamoReactorStore(documentClient, env.TABLE_NAME),
  journeys: new SfnJourneys(stepFunctions, env.JOURNEY_STATE_MACHINE_ARN_PREFIX),
  handOffs: new SqsHandOffQueue(new SQSClient({}), env.HANDOFF_QUEUE_URL),
  // Double opt-in confirmations (functions/email).
  emails: reactorEmailsFrom(env),
  clock,
  logger: createLogger('reactor'),
});
