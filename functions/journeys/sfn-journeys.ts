import { ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { DecisionOf } from '../reactor/domain/decisions';
import type { JourneyStarter } from '../reactor/ports';

/**
 * Starts journey executions in Step Functions. State machines are named `<prefix><journeyId>`, so the reactor
 * needs no list of ARNs. The execution name is deterministic: Step Functions refuses a second execution of that
 * name (for 90 days after the first closes), which is what makes a retried enrolment a no-op.
 */
export class SfnJourneyStarter implements JourneyStarter {
  constructor(
    private readonly sfn: SFNClient,
    /** e.g. `arn:aws:states:eu-west-1:123456789012:stateMachine:Nurture-journey-` */
    private readonly stateMachineArnPrefix: string,
  ) {}

  async start(decision: DecisionOf<'StartJourney'>): Promise<{ type: 'Started' | 'AlreadyStarted' }> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: `${this.stateMachineArnPrefix}${decision.journeyId}`,
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
}
