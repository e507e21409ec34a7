import { experiments } from '../experiments/experiment-content';
import { environmentFor } from '../shared/environment';
import { businessMetrics, MetricService, publishingMetrics } from '../shared/metrics';
import { sendDepsFrom } from './email-senders';
import { makeSendEmailTask } from './send-email-task';

const env = environmentFor('sendEmail');
const metrics = businessMetrics(env.POWERTOOLS_METRICS_NAMESPACE, MetricService.email);

export const handler = publishingMetrics(metrics, makeSendEmailTask(sendDepsFrom(env, 'send-email', metrics), experiments));
