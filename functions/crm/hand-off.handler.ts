import { SQSClient } from '@aws-sdk/client-sqs';
import { environmentFor } from '../shared/environment';
import { handOffDeps } from './handler-deps';
import { makeHandOffTask } from './hand-off-task';
import { SqsHandOffQueue } from './sqs-hand-off-queue';

const env = environmentFor('handOff');

export const handler = makeHandOffTask({
  ...handOffDeps(env, 'crm-hand-off'),
  parking: new SqsHandOffQueue(new SQSClient({}), env.HANDOFF_QUEUE_URL),
});
