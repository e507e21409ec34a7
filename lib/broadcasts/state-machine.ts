import { RETRYABLE_TASK_ERRORS } from '../../functions/shared/tasks';
import type { AslDefinition } from '../journeys/compiler';

/** The placeholder of the step function's ARN: CDK fills it (DefinitionSubstitutions), the local runtime too. */
export const BROADCAST_STEP_PLACEHOLDER = '${broadcastStep}';

/** State names, part of the execution history people read; kept stable. */
export const BROADCAST_STATES = {
  page: 'SendPage',
  route: 'Next',
  wait: 'Wait',
  done: 'Done',
  recordFailure: 'RecordFailure',
  failed: 'Failed',
} as const;

const LAMBDA_TRANSIENT = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException', 'Lambda.Unknown'];

/**
 * The broadcast state machine, one for every broadcast (execution input `{ broadcastId }`, execution name the
 * broadcast id). Pure, so CDK and the local runtime run the same ASL; JSONPath only. Per page it costs two state
 * transitions (SendPage, Next); a Wait only between passes or before a scheduled start. The step owns every
 * decision and all the state (the broadcast item), so the execution's own data is just the step's last answer.
 *
 * ```
 * SendPage ─▶ Next ─┬─ page ─▶ SendPage
 *    │ catch        ├─ wait ─▶ Wait (SecondsPath) ─▶ SendPage
 *    ▼              └─ end  ─▶ Done
 * RecordFailure ─▶ Failed
 * ```
 */
export function broadcastStateMachine(): AslDefinition {
  const { page, route, wait, done, recordFailure, failed } = BROADCAST_STATES;
  return {
    Comment: 'Nurture broadcast: pages through a segment and sends each member the email once, at the broadcast rate',
    StartAt: page,
    States: {
      [page]: {
        Type: 'Task',
        Resource: BROADCAST_STEP_PLACEHOLDER,
        Parameters: { action: 'page', 'broadcastId.$': '$$.Execution.Input.broadcastId', 'now.$': '$$.State.EnteredTime' },
        ResultPath: '$.step',
        Retry: [
          // Sends are idempotent and a page commits once, so retrying a page whole is always safe.
          { ErrorEquals: [...LAMBDA_TRANSIENT, ...RETRYABLE_TASK_ERRORS, 'PageContended'], IntervalSeconds: 2, MaxAttempts: 8, BackoffRate: 2, MaxDelaySeconds: 120, JitterStrategy: 'FULL' },
          { ErrorEquals: ['BroadcastNotFound'], MaxAttempts: 0 },
          { ErrorEquals: ['States.ALL'], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2 },
        ],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: recordFailure }],
        Next: route,
      },
      [route]: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.step.next', StringEquals: 'page', Next: page },
          { Variable: '$.step.next', StringEquals: 'wait', Next: wait },
        ],
        Default: done,
      },
      [wait]: { Type: 'Wait', SecondsPath: '$.step.waitSeconds', Next: page },
      [done]: { Type: 'Succeed' },
      [recordFailure]: {
        Type: 'Task',
        Resource: BROADCAST_STEP_PLACEHOLDER,
        Parameters: { action: 'fail', 'broadcastId.$': '$$.Execution.Input.broadcastId', 'error.$': '$.error' },
        ResultPath: '$.recorded',
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.recordError', Next: failed }],
        Next: failed,
      },
      [failed]: { Type: 'Fail', Error: 'BroadcastFailed', Cause: 'A page failed after its retries; the broadcast is marked failed' },
    },
  };
}

/** The ASL with the step function's ARN in place (CDK passes a substitution instead; the local runtime uses this). */
export function withStepArn(definition: AslDefinition, arn: string): AslDefinition {
  return JSON.parse(JSON.stringify(definition).replaceAll(BROADCAST_STEP_PLACEHOLDER, arn)) as AslDefinition;
}

/** State transitions per page of a broadcast (SendPage, Next): the README's cost figures use it. */
export const TRANSITIONS_PER_PAGE = 2;
