import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DEFAULT_BACKOFF, redeliveryDelaySeconds, type BackoffPolicy } from './domain/backoff';
import { describeFailure, CrmUnavailable } from './errors';
import { handOff, HandOffRequest } from './hand-off';
import { recordNoCrm, type CrmHandOffDeps } from './hand-off-task';
import { isPermanent } from './outbound';
import type { MessageVisibility } from './ports';

export interface HandOffWorkerDeps extends CrmHandOffDeps {
  /** The queue's maxReceiveCount: the delivery that reaches it is the last before the dead-letter queue. */
  readonly maxReceives: number;
  /** Postpones a failed message's next delivery; without it the queue's own visibility timeout applies. */
  readonly visibility?: MessageVisibility;
  /** @default DEFAULT_BACKOFF (30 s doubling per receive, at most 15 minutes) */
  readonly backoff?: BackoffPolicy;
}

/**
 * Consumes the hand-off queue the reactor fills on MQL (and where journey hand-off steps park what they could not
 * hand off). A transient failure reports the message as failed and sets its visibility to the CRM's Retry-After or
 * an exponential backoff by receive count, whichever is longer (capped), so SQS redelivers it then; on the last
 * delivery, or on a refusal, the failure is appended to the contact's timeline (`crm.handoff_failed`) and the
 * message goes on to the dead-letter queue, where it is parked, never dropped. A message whose failure is already
 * recorded is not tried again: it is made visible at once, so it reaches the dead-letter queue without waiting.
 * With no CRM configured, `crm.handoff_skipped` is recorded on the contact. A message whose contact another hand-off
 * is handing off now (`CrmHandOffInProgress`) is redelivered the same way, and then updates the record that one
 * left, without a second note.
 */
export const makeHandOffWorker =
  (deps: HandOffWorkerDeps) =>
  async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: { itemIdentifier: string }[] = [];
    const postpone = async (record: SQSEvent['Records'][number], seconds: number) => {
      if (!deps.visibility) return;
      // If this fails the queue's visibility timeout applies: a shorter wait, not a lost hand-off.
      await deps.visibility.postpone(record, seconds).catch((error: unknown) =>
        deps.logger.warn('could not set the hand-off message\'s visibility', { messageId: record.messageId, error: describeFailure(error) }),
      );
    };
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
          await postpone(record, 0);
          failures.push({ itemIdentifier: record.messageId });
          continue;
        }
        const crm = await deps.crm();
        if (!crm) {
          deps.logger.warn('no CRM configured: hand-off skipped', { contactId: request.contactId });
          await recordNoCrm(deps.store, request, deps.clock.now());
          continue;
        }
        const outcome = await handOff(request, { ...deps, crm });
        if (outcome.outcome === 'skipped') deps.logger.info('hand-off skipped', { contactId: request.contactId, reason: outcome.reason });
      } catch (error) {
        const last = receives >= deps.maxReceives || isPermanent(error);
        const retryAfterMs = error instanceof CrmUnavailable ? error.retryAfterMs : undefined;
        const delaySeconds = last ? undefined : redeliveryDelaySeconds(receives, retryAfterMs, deps.backoff ?? DEFAULT_BACKOFF);
        deps.logger[last ? 'error' : 'warn']('hand-off failed', {
          contactId: request.contactId,
          receives,
          last,
          error: describeFailure(error),
          ...(retryAfterMs ? { retryAfterMs } : {}),
          ...(delaySeconds !== undefined ? { redeliveryInSeconds: delaySeconds } : {}),
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
        } else {
          await postpone(record, delaySeconds!);
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
