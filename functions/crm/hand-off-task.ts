import type { Context } from 'aws-lambda';
import { HandOffTaskInput, type HandOffTaskOutput } from '../shared/tasks';
import { CrmUnavailable, describeFailure } from './errors';
import { handOff, type HandOffDeps, type HandOffRequest, type LeaseWait } from './hand-off';
import { isPermanent } from './outbound';
import type { CrmAdapter, CrmStore, HandOffParking } from './ports';

/** What both hand-off entry points (the journey step and the queue worker) are built from. */
export interface CrmHandOffDeps extends Omit<HandOffDeps, 'crm'> {
  /** The configured adapter, or undefined when no CRM is configured (the hand-off is then skipped, and recorded). */
  readonly crm: () => Promise<CrmAdapter | undefined>;
}

export interface HandOffTaskDeps extends CrmHandOffDeps {
  /** The CRM hand-off queue, where a hand-off the step could not make waits for the worker's longer retry. */
  readonly parking: HandOffParking;
}

/**
 * How long the journey step waits in the handler for another hand-off of its contact (the reactor's, on MQL) to
 * finish: that one normally takes a second or two, so the step then hands off at once instead of going through
 * Step Functions' retry of `CrmHandOffInProgress`, which comes after it.
 */
export const JOURNEY_LEASE_WAIT: LeaseWait = { polls: 20, pollMs: 250 };

/**
 * Records `crm.handoff_skipped` when no CRM is configured (the deployed default), so a hand-off is never dropped
 * without a trace on the contact.
 */
export async function recordNoCrm(store: CrmStore, request: HandOffRequest, at: Date): Promise<HandOffTaskOutput> {
  const reason = 'no CRM configured';
  await store.recordSkip({ contactId: request.contactId, idempotencyKey: request.idempotencyKey, reason, source: request.source, at });
  return { outcome: 'skipped', reason };
}

/**
 * The journeys' hand-off step (a Step Functions Task). Its input is {@link HandOffTaskInput}; its output is the
 * task output. One hand-off per execution and step (the idempotency key), however often it is retried.
 *
 * A CRM outage outlasting the in-invocation retries does not fail the journey: the request is parked in the CRM
 * hand-off queue (same key, so never made twice) and the step answers `queued`; the queue's worker retries it with
 * backoff and, after its last delivery, records `crm.handoff_failed` and leaves it in the dead-letter queue. A
 * refusal (`CrmRejected`, a forbidden URL) is recorded as `crm.handoff_failed` at once, parked the same way (the
 * worker sends it on to the dead-letter queue without calling the CRM again) and thrown, so the journey's Catch
 * records `journey.failed` too. Another hand-off of the same contact in progress is waited for
 * ({@link JOURNEY_LEASE_WAIT}), then left to the step's Retry (`CrmHandOffInProgress`).
 */
export const makeHandOffTask =
  (deps: HandOffTaskDeps) =>
  async (input: unknown, _context?: Context): Promise<HandOffTaskOutput> => {
    const task = HandOffTaskInput.parse(input);
    const request: HandOffRequest = {
      contactId: task.contactId,
      idempotencyKey: `journey/${task.executionName}/${task.stepId}`,
      ...(task.reason ? { reason: task.reason } : {}),
      source: `journey:${task.journeyId}/${task.stepId}`,
      ...(task.triggerEventId ? { afterEventId: task.triggerEventId } : {}),
    };
    const crm = await deps.crm();
    if (!crm) return recordNoCrm(deps.store, request, deps.clock.now());
    try {
      return await handOff(request, { ...deps, crm, leaseWait: deps.leaseWait ?? JOURNEY_LEASE_WAIT });
    } catch (error) {
      if (error instanceof CrmUnavailable) {
        await deps.parking.park(request);
        deps.logger.warn('CRM unavailable: hand-off parked in the hand-off queue', { contactId: request.contactId, error: describeFailure(error) });
        return { outcome: 'queued', reason: describeFailure(error) };
      }
      if (isPermanent(error)) {
        await deps.store.recordFailure({
          contactId: request.contactId,
          idempotencyKey: request.idempotencyKey,
          provider: crm.provider,
          error: describeFailure(error),
          attempts: 1,
          source: request.source,
          at: deps.clock.now(),
        });
        await deps.parking.park(request);
        deps.logger.error('CRM refused the hand-off: recorded and parked', { contactId: request.contactId, error: describeFailure(error) });
      }
      throw error;
    }
  };
