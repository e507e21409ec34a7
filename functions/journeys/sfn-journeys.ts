import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidToken,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { JourneyDecisionOf as DecisionOf } from './domain/decisions';
import type { JourneyStarter } from './ports';

/**
 * Journey executions in Step Functions. State machines are named `<prefix><journeyId>`, so the reactor needs no
 * list of ARNs. Every call is idempotent: the execution name is deterministic (Step Functions refuses a second
 * execution of that name for 90 days after the first closes), stopping an execution that ended and resuming with
 * a token already used are answered as no-ops.
 */
export class SfnJourneys implements JourneyStarter {
  constructor(
    private readonly sfn: SFNClient,
    /** e.g. `arn:aws:states:eu-west-1:123456789012:stateMachine:Nurture-journey-` */
    private readonly stateMachineArnPrefix: string,
  ) {}

  async start(decision: DecisionOf<'StartJourney'>): Promise<{ type: 'Started' | 'AlreadyStarted' }> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          // New entries go to the `live` alias: the version the latest deploy published (docs/journeys.md).
          stateMachineArn: `${this.stateMachineArnPrefix}${decision.journeyId}:${JOURNEY_ALIAS}`,
          name: decision.executionName,
          input: JSON.stringify(decision.input),
        }),
      );
      return { type: 'Started' };
    } catch (error) {
      // Same name and same input: Step Functions answers with the running execution instead of this error, and
      // a different input under the same name is still the same enrolment. Either way it already started.
      if (error instanceof ExecutionAlreadyExists) return { type: 'AlreadyStarted' };
      throw error;
    }
  }

  async stop(decision: DecisionOf<'StopJourney'>): Promise<{ type: 'Stopped' | 'NotRunning' }> {
    try {
      await this.sfn.send(
        new StopExecutionCommand({
          executionArn: executionArn(this.stateMachineArnPrefix, decision.journeyId, decision.executionName),
          error: 'JourneyExited',
          cause: decision.reason.slice(0, 256),
        }),
      );
      return { type: 'Stopped' };
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return { type: 'NotRunning' };
      throw error;
    }
  }

  async resume(decision: DecisionOf<'ResumeJourney'>): Promise<{ type: 'Resumed' | 'NotWaiting' }> {
    try {
      await this.sfn.send(new SendTaskSuccessCommand({ taskToken: decision.taskToken, output: JSON.stringify(decision.output) }));
      return { type: 'Resumed' };
    } catch (error) {
      // The wait timed out, was resumed already, or its execution ended: nothing is waiting for this any more.
      if (error instanceof TaskTimedOut || error instanceof TaskDoesNotExist || error instanceof InvalidToken) return { type: 'NotWaiting' };
      throw error;
    }
  }
}

/** The alias every journey's new entries start through; each deploy points it at the version it published. */
export const JOURNEY_ALIAS = 'live';

/** `…:stateMachine:<name>` + execution name → `…:execution:<name>:<execution>`. */
export function executionArn(stateMachineArnPrefix: string, journeyId: string, executionName: string): string {
  return `${stateMachineArnPrefix.replace(':stateMachine:', ':execution:')}${journeyId}:${executionName}`;
}
