/**
 * A transient CRM failure: 429, 5xx, a timeout or a network error. Step Functions retries a task that throws it
 * (its name is in RETRYABLE_TASK_ERRORS); the hand-off queue redelivers. `retryAfterMs` is the CRM's Retry-After.
 */
export class CrmUnavailable extends Error {
  override name = 'CrmUnavailable';
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The CRM refused the request for good (400, 401, 403, 404…): retrying would not help. */
export class CrmRejected extends Error {
  override name = 'CrmRejected';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Another hand-off of the same contact holds its hand-off lease (it is calling the CRM now): this one must not call
 * the CRM until that one has recorded its outcome, so that it then reads it and only updates the record. Transient:
 * Step Functions retries a journey step that throws it (on its own even schedule, HAND_OFF_BUSY), and the hand-off
 * queue redelivers the worker's message after its visibility timeout.
 */
export class CrmHandOffInProgress extends Error {
  override name = 'CrmHandOffInProgress';
}

/** An outbound URL the SSRF guard refuses (not https, or a private/loopback address in AWS). */
export class ForbiddenCrmUrl extends Error {
  override name = 'ForbiddenCrmUrl';
}

/** A short, data-free description of a failure, for the timeline and logs. */
export function describeFailure(error: unknown): string {
  if (error instanceof CrmUnavailable || error instanceof CrmRejected) {
    return `${error.name}${error.status ? ` ${error.status}` : ''}: ${error.message}`.slice(0, 300);
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return 'unknown error';
}
