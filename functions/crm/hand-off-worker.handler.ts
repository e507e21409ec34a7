import { SQSClient } from '@aws-sdk/client-sqs';
import { functions } from '../../lib/functions';
import { environmentFor } from '../shared/environment';
import { businessMetrics, MetricService, publishingMetrics } from '../shared/metrics';
import { handOffDeps } from './handler-deps';
import { makeHandOffWorker } from './hand-off-worker';
import { SqsMessageVisibility } from './sqs-hand-off-queue';

const env = environmentFor('crmHandOffWorker');
const metrics = businessMetrics(env.POWERTOOLS_METRICS_NAMESPACE, MetricService.crm);

export const handler = publishingMetrics(metrics, makeHandOffWorker({
  ...handOffDeps(env, 'crm-hand-off-worker', metrics),
  // The queue's own maxReceiveCount (the registry sets both), so the last delivery records the failure.
  maxReceives: functions.crmHandOffWorker.trigger.maxReceiveCount,
  // The queue itself, for ChangeMessageVisibility (the backoff between deliveries).
  visibility: new SqsMessageVisibility(new SQSClient({}), env.HANDOFF_QUEUE_URL),
}));
