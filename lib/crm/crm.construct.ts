import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { functions } from '../functions';
import { NurtureFunction } from '../shared/nurture-function';

export interface CrmProps {
  /** The single table: contacts, their timelines and the hand-off idempotency records. */
  readonly table: ITableV2;
  /**
   * The provider the settings secret is created with (nurture.config.yaml `crm.provider`). Only the secret's first
   * value: credentials are put into it by hand, and later changes are made there too (docs/deploy.md).
   *
   * @default 'none'
   */
  readonly provider?: 'none' | 'hubspot' | 'salesforce' | 'webhook';
}

/**
 * CRM hand-off in both directions: the journeys' hand-off step, the queue the reactor fills on MQL (with its worker
 * and dead-letter queue), the feedback webhook, and the settings secret (provider, credentials, webhook secrets).
 */
export class Crm extends Construct {
  /**
   * JSON settings read by every CRM function (see functions/crm/config.ts): `{"provider":"hubspot","hubspot":
   * {"accessToken":"…","clientSecret":"…"}}`, or `salesforce`/`webhook`. Created as `{"provider":"none"}` with a
   * generated `feedbackSecret`; operators put their CRM's values in with put-secret-value.
   */
  public readonly settings: Secret;
  /** Hand-offs the reactor queues on MQL. */
  public readonly handOffs: Queue;
  /** Where hand-offs that kept failing are parked (14 days), each also recorded on its contact. */
  public readonly deadLetters: Queue;
  /** The journeys' hand-off step (a Step Functions Task). */
  public readonly handOff: NurtureFunction;
  public readonly handOffWorker: NurtureFunction;
  /** `POST /webhooks/crm/{provider}`. */
  public readonly webhook: NurtureFunction;

  constructor(scope: Construct, id: string, props: CrmProps) {
    super(scope, id);

    this.settings = new Secret(this, 'Settings', {
      description: 'Nurture CRM settings (JSON): provider, credentials, webhook secrets',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ provider: props.provider ?? 'none' }),
        generateStringKey: 'feedbackSecret',
        excludePunctuation: true,
        passwordLength: 40,
      },
    });
    NagSuppressions.addResourceSuppressions(this.settings, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Holds credentials issued by the CRM vendor (a HubSpot private-app token, a Salesforce OAuth token, a ' +
          'webhook secret shared with the receiver); they are rotated in the vendor\'s console and put here by hand, ' +
          'so a rotation Lambda could not produce them.',
      },
    ]);

    this.deadLetters = new Queue(this, 'HandOffDeadLetters', {
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
    });
    NagSuppressions.addResourceSuppressions(this.deadLetters, [
      {
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the dead-letter queue of the CRM hand-off queue.',
      },
    ]);

    // Deliveries, visibility and retention as the worker's registry entry declares them (the local queue reads the
    // same): a hand-off failing every delivery is parked with `crm.handoff_failed` on the contact.
    const { trigger } = functions.crmHandOffWorker;
    this.handOffs = new Queue(this, 'HandOffs', {
      enforceSSL: true,
      encryption: QueueEncryption.SQS_MANAGED,
      visibilityTimeout: Duration.seconds(trigger.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(trigger.retentionDays),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: trigger.maxReceiveCount },
    });

    const resources = { table: props.table, crmSecret: this.settings };
    // The journeys' step parks a hand-off the CRM could not take in the same queue, for the worker's longer retry.
    this.handOff = new NurtureFunction(this, 'HandOff', { definition: functions.handOff, resources: { ...resources, handOffQueue: this.handOffs } });
    // Its queue trigger (lib/functions.ts) wires the event source and the queue's URL.
    this.handOffWorker = new NurtureFunction(this, 'HandOffWorker', { definition: functions.crmHandOffWorker, resources: { ...resources, handOffQueue: this.handOffs } });
    this.webhook = new NurtureFunction(this, 'Webhook', { definition: functions.crmWebhook, resources });
  }
}
