import { ArnFormat, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/**
 * Journeys: one Standard state machine per journey file in statemachines/. Their names share a prefix
 * (`<stack>-journey-<journeyId>`) so the reactor can start any of them knowing only the journey id.
 */
export class Journeys extends Construct {
  /** `<stack>-journey-`: every journey state machine's name starts with it. */
  public readonly stateMachineNamePrefix: string;
  /** The ARN of a journey's state machine is this prefix followed by the journey id. */
  public readonly stateMachineArnPrefix: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    this.stateMachineNamePrefix = `${stack.stackName}-journey-`;
    this.stateMachineArnPrefix = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: this.stateMachineNamePrefix,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }
}
