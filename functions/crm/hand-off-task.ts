import type { Context } from 'aws-lambda';
import { HandOffTaskInput, type HandOffTaskOutput } from '../shared/tasks';
import { handOff, type HandOffDeps } from './hand-off';
import type { CrmAdapter } from './ports';

export interface HandOffTaskDeps extends Omit<HandOffDeps, 'crm'> {
  /** The configured adapter, or undefined when no CRM is configured (the step is then skipped, and says so). */
  readonly crm: () => Promise<CrmAdapter | undefined>;
}

/**
 * The journeys' hand-off step (a Step Functions Task). Its input is {@link HandOffTaskInput}; its output is the
 * task output. One hand-off per execution and step (the idempotency key), however often Step Functions retries it.
 * Throws `CrmUnavailable` for 429/5xx/timeouts (retried by the state machine) and `CrmRejected` for refusals.
 */
export const makeHandOffTask =
  (deps: HandOffTaskDeps) =>
  async (input: unknown, _context?: Context): Promise<HandOffTaskOutput> => {
    const task = HandOffTaskInput.parse(input);
    const crm = await deps.crm();
    if (!crm) return { outcome: 'skipped', reason: 'no CRM configured' };
    return handOff(
      {
        contactId: task.contactId,
        idempotencyKey: `journey/${task.executionName}/${task.stepId}`,
        ...(task.reason ? { reason: task.reason } : {}),
        source: `journey:${task.journeyId}/${task.stepId}`,
      },
      { ...deps, crm },
    );
  };
