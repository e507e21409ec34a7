import { SQSClient } from '@aws-sdk/client-sqs';
import { environmentFor } from '../shared/environment';
import { businessMetrics, MetricService, publishingMetrics } from '../shared/metrics';
import { handOffDeps } from './handler-deps';
import { makeHandOffTask } from './hand-off-task';
import { SqsHandOffQueue } from './sqs-hand-off-queue';

const env = environmentFor('handOff');
const metrics = businessMetrics(env.POWERTOOLS_METRICS_NAMESPACE, MetricService.crm);

export const handler = publishingMetrics(
  metrics,
  makeHandOffTask({
    ...handOffDeps(env, 'crm-hand-off', metrics),
    parking: new SqsHandOffQueue(new SQSClient({}), env.HANDOFF_QUEUE_URL),
  }),
);
