import { ExecutionAlreadyExists, ExecutionDoesNotExist, StartExecutionCommand, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { BroadcastExecutions } from './ports';

/**
 * The broadcast state machine's executions. The execution name is the broadcast id, so starting a broadcast twice
 * starts it once (Step Functions refuses a second execution of a name for 90 days), and stopping one that ended is
 * a no-op.
 */
export class SfnBroadcasts implements BroadcastExecutions {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(executionName: string, input: { readonly broadcastId: string }): Promise<void> {
    try {
      await this.sfn.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name: executionName, input: JSON.stringify(input) }));
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
  }

  async stop(executionName: string): Promise<void> {
    try {
      await this.sfn.send(
        new StopExecutionCommand({
          executionArn: `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`,
          error: 'BroadcastCancelled',
          cause: 'cancelled through POST /broadcasts/{id}/cancel',
        }),
      );
    } catch (error) {
      if (!(error instanceof ExecutionDoesNotExist)) throw error;
    }
  }
}
