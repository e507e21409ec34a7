import { documentClient } from '../shared/aws';
import { environmentFor } from '../shared/environment';
import { businessMetrics, MetricService, publishingMetrics } from '../shared/metrics';
import { sendDepsFrom } from '../email/email-senders';
import { DynamoExperimentCounters } from '../experiments/dynamo-experiment-counters';
import { experiments } from '../experiments/experiment-content';
import { decisionsFrom } from './broadcast-experiment';
import { makeBroadcastStep } from './broadcast-step';
import { DynamoAudience, DynamoBroadcastStore } from './dynamo-broadcasts';
import { smsSendDepsFrom } from '../sms/sms-senders';

const env = environmentFor('broadcastStep');
const metrics = businessMetrics(env.POWERTOOLS_METRICS_NAMESPACE, MetricService.email);

export const handler = publishingMetrics(
  metrics,
  makeBroadcastStep({
    store: new DynamoBroadcastStore(documentClient, env.TABLE_NAME),
    audience: new DynamoAudience(documentClient, env.TABLE_NAME),
    send: sendDepsFrom(env, 'broadcasts', metrics),
    sms: smsSendDepsFrom(env, 'broadcasts'),
    experiments,
    decisions: decisionsFrom(new DynamoExperimentCounters(documentClient, env.TABLE_NAME)),
  }),
);
