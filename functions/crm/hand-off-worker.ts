import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describeFailure, CrmUnavailable } from './errors';
import { handOff, HandOffRequest } from './hand-off';
import type { HandOffTaskDeps } from './hand-off-task';
import { isPermanent } from './outbound';

export interface HandOffWorkerDeps extends HandOffTaskDeps {
  /** The queue's maxReceiveCount: the delivery that reaches it is the last before the dead-letter queue. */
  readonly maxReceives: number;
}

/**
 * Consumes the hand-off queue the reactor fills on MQL. A transient failure reports the message as failed so SQS
 * redelivers it after its visibility timeout (backoff); on the last delivery, or on a refusal, the failure is
 * appended to the contact's timeline (`crm.handoff_failed`) and the message goes on to the dead-letter queue, where
 * it is parked, never dropped. A message whose failure is already recorded is not tried again.
 */
export const makeHandOffWorker =
  (deps: HandOffWorkerDeps) =>
  async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: { itemIdentifier: string }[] = [];
    for (const record of event.Records) {
      const parsed = HandOffRequest.safeParse(safeJson(record.body));
      if (!parsed.success) {
        deps.logger.error('hand-off message is not a hand-off request; left for the dead-letter queue', { messageId: record.messageId });
        failures.push({ itemIdentifier: record.messageId });
        continue;
      }
      const request = parsed.data;
      const receives = Number(record.attributes.ApproximateReceiveCount ?? '1');
      try {
        if (await deps.store.failureRecorded(request.contactId, request.idempotencyKey)) {
          failures.push({ itemIdentifier: record.messageId });
          continue;
        }
        const crm = await deps.crm();
        if (!crm) {
          deps.logger.warn('no CRM configured: hand-off skipped', { contactId: request.contactId });
          continue;
        }
        const outcome = await handOff(request, { ...deps, crm });
        if (outcome.outcome === 'skipped') deps.logger.info('hand-off skipped', { contactId: request.contactId, reason: outcome.reason });
      } catch (error) {
        const last = receives >= deps.maxReceives || isPermanent(error);
        deps.logger[last ? 'error' : 'warn']('hand-off failed', {
          contactId: request.contactId,
          receives,
          last,
          error: describeFailure(error),
          ...(error instanceof CrmUnavailable && error.retryAfterMs ? { retryAfterMs: error.retryAfterMs } : {}),
        });
        if (last) {
          const provider = (await deps.crm().catch(() => undefined))?.provider ?? 'unknown';
          await deps.store.recordFailure({
            contactId: request.contactId,
            idempotencyKey: request.idempotencyKey,
            provider,
            error: describeFailure(error),
            attempts: receives,
            source: request.source,
            at: deps.clock.now(),
          });
        }
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures: failures };
  };

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
