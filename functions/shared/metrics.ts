import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * The business numbers functions publish as CloudWatch EMF metrics, named once: the handlers that count them and the
 * alarms and dashboard (lib/operations) that read them. Stored in CloudWatch forever: never rename one, add new ones.
 */
export const BusinessMetric = {
  /** A form post recorded (a new or returning contact; bots and replays of an Idempotency-Key are not counted). */
  LeadsAccepted: 'LeadsAccepted',
  /** An email SES took, from a journey step or a broadcast (a retry that finds its first send sends nothing, counts nothing). */
  EmailsSent: 'EmailsSent',
  /** A lead the CRM accepted. */
  HandOffsDelivered: 'HandOffsDelivered',
  /** A hand-off the CRM refused or could not take for good (parked, or given up after the last delivery). */
  HandOffsFailed: 'HandOffsFailed',
} as const;
export type BusinessMetric = (typeof BusinessMetric)[keyof typeof BusinessMetric];

/** The `service` dimension each capability publishes its metrics under. */
export const MetricService = { forms: 'forms', email: 'email', crm: 'crm' } as const;
export type MetricService = (typeof MetricService)[keyof typeof MetricService];

/** Counts business events of one invocation; they are written when the invocation ends. */
export interface BusinessMetrics {
  count(metric: BusinessMetric, value?: number): void;
}

/**
 * Business metrics of one capability through Powertools Metrics, built once at module scope. Only counts and the
 * `service` dimension are written: never an id, an address or anything else about a person.
 *
 * The namespace comes from the function's parsed environment (the `metrics` binding), not from Powertools' own
 * read of `process.env`, because the local runtime runs every function in one process, each with its own environment.
 */
export function businessMetrics(namespace: string, service: MetricService): BusinessMetrics & { readonly metrics: Metrics } {
  const metrics = new Metrics({ namespace, serviceName: service });
  return {
    metrics,
    count: (metric, value = 1) => metrics.addMetric(metric, MetricUnit.Count, value),
  };
}

/**
 * Wraps a handler so the metrics it counted are written as one EMF line when it returns or throws (nothing is
 * written when it counted nothing).
 */
export function publishingMetrics<A extends unknown[], R>(
  metrics: { readonly metrics: Metrics },
  handler: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await handler(...args);
    } finally {
      // Publishing with nothing stored only logs a warning.
      if (metrics.metrics.hasStoredMetrics()) metrics.metrics.publishStoredMetrics();
    }
  };
}
