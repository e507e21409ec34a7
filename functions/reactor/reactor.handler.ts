import * as z from 'zod';
import { SfnJourneys } from '../journeys/sfn-journeys';
import { documentClient } from '../shared/aws';
import { stepFunctions } from '../shared/sfn';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsHandOffQueue } from '../crm/sqs-hand-off-queue';
import { DynamoReactorStore } from './dynamo-reactor-store';
import { makeReactor } from './reactor';
import { reactorEmailsFrom } from '../email/reactor-emails';

const env = parseEnv({
  TABLE_NAME: z.string().min(1),
  /** Journey state machines are named `<prefix><journeyId>`. */
  JOURNEY_STATE_MACHINE_ARN_PREFIX: z.string().startsWith('arn:'),
  /** The CRM hand-off queue (functions/crm); locally, the local queue's URL. */
  HANDOFF_QUEUE_URL: z.url(),
});

export const handler = makeReactor({
  store: new DynamoReactorStore(documentClient, env.TABLE_NAME),
  journeys: new SfnJourneys(stepFunctions, env.JOURNEY_STATE_MACHINE_ARN_PREFIX),
  handOffs: new SqsHandOffQueue(new SQSClient({}), env.HANDOFF_QUEUE_URL),
  // Double opt-in confirmations (functions/email); absent until the function has the email bindings.
  emails: reactorEmailsFrom(process.env),
  clock: systemClock,
  logger: createLogger('reactor'),
});
