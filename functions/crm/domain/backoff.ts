/** How long the hand-off queue waits before redelivering a hand-off that failed for a transient reason. */
export interface BackoffPolicy {
  /** The wait after the first delivery; it doubles with each further receive. @default 30 */
  readonly baseSeconds: number;
  /** Longest wait, whatever the CRM's Retry-After asks. @default 900 (15 minutes) */
  readonly maxSeconds: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseSeconds: 30, maxSeconds: 900 };

/**
 * Seconds until the next delivery of a message received `receives` times (SQS `ApproximateReceiveCount`): the
 * CRM's Retry-After or the exponential backoff, whichever is longer, capped at `maxSeconds`. Pure.
 */
export function redeliveryDelaySeconds(receives: number, retryAfterMs: number | undefined, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponential = policy.baseSeconds * 2 ** Math.max(0, receives - 1);
  const asked = retryAfterMs === undefined ? 0 : Math.ceil(retryAfterMs / 1_000);
  return Math.min(policy.maxSeconds, Math.max(asked, exponential));
}
