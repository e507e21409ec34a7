import { experiments } from '../experiments/experiment-content';
import { environmentFor } from '../shared/environment';
import { BusinessMetric, businessMetrics, MetricService, publishingMetrics } from '../shared/metrics';
import { sendDepsFrom } from './email-senders';
import { makeSendEmailTask } from './send-email-task';

const env = environmentFor('sendEmail');
const metrics = businessMetrics(env.POWERTOOLS_METRICS_NAMESPACE, MetricService.email);
const sendEmail = makeSendEmailTask(sendDepsFrom(env, 'send-email'), experiments);

export const handler = publishingMetrics(metrics, async (input: unknown) => {
  const output = await sendEmail(input);
  // A retried step that finds its first send answers `duplicate`: that email was counted then.
  if (output.outcome === 'sent' && !output.duplicate) metrics.count(BusinessMetric.EmailsSent);
  return output;
});
