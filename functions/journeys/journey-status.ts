import * as z from 'zod';
import { EventName } from '../shared/events';
import type { Logger } from '../shared/logger';
import type { JourneyStore } from './ports';

/** EventBridge's "Step Functions Execution Status Change" event, the fields used here. */
export const ExecutionStatusChange = z.object({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  time: z.string(),
  detail: z.object({
    name: z.string(),
    status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']),
    input: z.string().nullable().optional(),
    error: z.string().nullable().optional(),
    cause: z.string().nullable().optional(),
    stopDate: z.number().nullable().optional(),
  }),
});

const JourneyExecutionInput = z.object({ contactId: z.string(), journeyId: z.string(), executionName: z.string() });

export interface JourneyStatusDeps {
  readonly store: JourneyStore;
  readonly logger: Logger;
}

/**
 * Records how an execution ended: the membership becomes completed or failed and `journey.completed` /
 * `journey.failed` goes on the timeline (ids derived from the execution, so a redelivered event changes nothing).
 * Stopped executions were recorded by whoever stopped them (the reactor's exits, the enrolments API); one stopped
 * from the console is recorded here as an exit.
 */
export const makeJourneyStatus =
  (deps: JourneyStatusDeps) =>
  async (raw: unknown): Promise<void> => {
    const change = ExecutionStatusChange.parse(raw);
    const { detail } = change;
    if (detail.status === 'RUNNING' || detail.status === 'PENDING_REDRIVE') return;
    const input = JourneyExecutionInput.safeParse(JSON.parse(detail.input ?? '{}'));
    if (!input.success) {
      deps.logger.warn('execution status change for an execution that is not a journey enrolment; skipped', { executionName: detail.name });
      return;
    }
    const { contactId, journeyId, executionName } = input.data;
    const occurredAt = detail.stopDate ? new Date(detail.stopDate).toISOString() : new Date(Date.parse(change.time)).toISOString();
    const ref = { journeyId, executionName };
    switch (detail.status) {
      case 'SUCCEEDED': {
        // An execution that recorded its own exit before it ended (a double opt-in never confirmed) did not complete.
        const membership = await deps.store.membership(contactId, journeyId);
        if (membership?.executionName === executionName && membership.status === 'exited') break;
        await deps.store.finish(contactId, journeyId, executionName, 'completed', {
          eventId: `${executionName}.completed`,
          contactId,
          occurredAt,
          type: EventName.JourneyCompleted,
          data: ref,
        });
        break;
      }
      case 'FAILED':
      case 'TIMED_OUT':
        await deps.store.finish(contactId, journeyId, executionName, 'failed', {
          eventId: `${executionName}.failed`,
          contactId,
          occurredAt,
          type: EventName.JourneyFailed,
          data: { ...ref, error: (detail.error ?? detail.status).slice(0, 500), ...(detail.cause ? { cause: detail.cause.slice(0, 2_000) } : {}) },
        });
        break;
      case 'ABORTED':
        // Stopped by Nurture (SfnJourneys.stop sends this error): the stopper records the exit with its reason.
        // The status change can arrive before the stopper's write, and must not record a second, wrong exit.
        // Moved to a newer version by the migrator, which moved the membership first: not an end.
        if (detail.error === 'JourneyExited' || detail.error === 'JourneyMigrated') break;
        await deps.store.finish(
          contactId,
          journeyId,
          executionName,
          'exited',
          { eventId: `${executionName}.stopped`, contactId, occurredAt, type: EventName.JourneyExited, data: { ...ref, reason: 'api', detail: 'stopped outside Nurture' } },
          { onlyIfRunning: true },
        );
        break;
    }
    deps.logger.info('journey ended', { contactId, journeyId, status: detail.status });
  };
