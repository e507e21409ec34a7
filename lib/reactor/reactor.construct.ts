import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption, type IQueue } from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { functions } from '../functions';
import { NurtureFunction, type BindableResources } from '../shared/nurture-function';

export interface ReactorProps {
  /** The single table; its stream feeds the reactor and the reactor writes its outcomes back to it. */
  readonly table: ITableV2;
  /** ARN prefix of the journey state machines, which the reactor starts executions of and resumes. */
  readonly journeyStateMachineArnPrefix: string;
  /** ARN prefix of the journey executions, which the reactor stops on exits and goals. */
  readonly journeyExecutionArnPrefix: string;
  /** The CRM hand-off queue the reactor puts MQLs on (lib/crm). */
  readonly handOffQueue: IQueue;
  /** SES sending for double opt-in confirmations (lib/email). */
  readonly emailSending: NonNullable<BindableResources['emailSending']>;
  /** The email link-signing keys (lib/email). */
  readonly emailSigningKeys: ISecret;
}

/** Applies the rules to every new timeline event, reading them from the table's stream. */
export class Reactor extends Construct {
  public readonly reactor: NurtureFunction;
  /**
   * Where the stream mapping records a batch it gave up on (shard and sequence-number range, not the records):
   * an operator replays that range from the stream, which keeps records for 24 hours.
   */
  public readonly failedBatches: Queue;

  constructor(scope: Construct, id: string, props: ReactorProps) {
    super(scope, id);

    this.failedBatches = new Queue(this, 'FailedBatches', {
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    NagSuppressions.addResourceSuppressions(this.failedBatches, [
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the dead-letter destination (OnFailure) of the reactor stream mapping; nothing ' +
          'consumes it automatically, so a further dead-letter queue would never receive anything.',
      },
    ]);

    const definition = functions.reactor;
    this.reactor = new NurtureFunction(this, 'Reactor', {
      definition,
      resources: {
        table: props.table,
        journeyStateMachineArnPrefix: props.journeyStateMachineArnPrefix,
        journeyExecutionArnPrefix: props.journeyExecutionArnPrefix,
        handOffQueue: props.handOffQueue,
        emailSending: props.emailSending,
        emailSigningKeys: props.emailSigningKeys,
      },
    });

    this.reactor.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        // A poison event is isolated by halving the batch instead of blocking its shard until it expires.
        bisectBatchOnError: true,
        retryAttempts: 5,
        maxRecordAge: Duration.days(1),
        reportBatchItemFailures: true,
        // Only inserted timeline events: profile updates and the reactor's own writes would otherwise invoke it.
        filters: [FilterCriteria.filter(definition.trigger.filter)],
        onFailure: new SqsDlq(this.failedBatches),
      }),
    );
  }
}
