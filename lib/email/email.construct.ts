import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, type Rule } from 'aws-cdk-lib/aws-events';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { ConfigurationSet, EmailSendingEvent, EventDestination } from 'aws-cdk-lib/aws-ses';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { emailSettings } from '../../functions/email/email-settings';
import { addressOf } from '../../functions/email/domain/settings';
import { functions } from '../functions';
import { NurtureFunction, type BindableResources } from '../shared/nurture-function';

export interface EmailProps {
  /** The single table: contacts, timelines, send records. */
  readonly table: ITableV2;
  /**
   * The SES identity the functions may send as (a verified domain or address; nurture.config.yaml `sender.identity`).
   * The sender address of content/email.yaml must belong to it, or the synth fails.
   *
   * @default - the domain of content/email.yaml's sender address
   */
  readonly senderIdentity?: string;
}

/**
 * Email: the SES configuration set whose EventBridge destination feeds delivery, bounce, complaint, reject and
 * delay events to the ses-events function; the link-signing keys; the send step, the send API, tracking and
 * the preference page. The sender identity (content/email.yaml `sender.from`) is verified by the operator
 * (docs/email.md, "Sending for real"); the functions may send only as that domain and only in this configuration set.
 */
export class Email extends Construct {
  public readonly sendEmail: NurtureFunction;
  public readonly sendEmailApi: NurtureFunction;
  public readonly emailTracking: NurtureFunction;
  public readonly emailPreferences: NurtureFunction;
  public readonly sesEvents: NurtureFunction;
  public readonly emailReminders: NurtureFunction;
  public readonly configurationSet: ConfigurationSet;
  /** `current,previous`: HMAC keys of tracking, unsubscribe and confirmation links. */
  public readonly signingKeys: Secret;
  public readonly sesEventsRule: Rule;
  /** What a function needs to send as the sender domain in the configuration set (the `sendEmail` binding). */
  public readonly sending: NonNullable<BindableResources['emailSending']>;

  constructor(scope: Construct, id: string, props: EmailProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', { reputationMetrics: true });
    this.configurationSet.addEventDestination('EventBridge', {
      // SES publishes to the default bus only.
      destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: [
        EmailSendingEvent.DELIVERY,
        EmailSendingEvent.BOUNCE,
        EmailSendingEvent.COMPLAINT,
        EmailSendingEvent.REJECT,
        EmailSendingEvent.DELIVERY_DELAY,
      ],
    });

    this.signingKeys = new Secret(this, 'SigningKeys', {
      description: 'Nurture email link-signing keys: "current" or "current,previous" (previous still verifies)',
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
    });
    NagSuppressions.addResourceSuppressions(this.signingKeys, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Links in sent emails must keep working for months, so a rotation keeps the old key as "previous" ' +
          '(put-secret-value "new,old") and drops it after the grace period; a rotation Lambda replacing the value ' +
          'outright would break every link already delivered. Functions re-read the secret every 5 minutes.',
      },
    ]);

    const identity = senderIdentity(addressOf(emailSettings.sender.from), props.senderIdentity);
    const emailSending = (this.sending = {
      identityArn: stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
      configurationSetArn: stack.formatArn({
        service: 'ses',
        resource: 'configuration-set',
        resourceName: this.configurationSet.configurationSetName,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
      configurationSetName: this.configurationSet.configurationSetName,
    });
    const links = { emailSigningKeys: this.signingKeys };

    this.sendEmail = new NurtureFunction(this, 'SendEmail', {
      definition: functions.sendEmail,
      resources: { table: props.table, emailSending, ...links },
    });
    this.sendEmailApi = new NurtureFunction(this, 'SendEmailApi', {
      definition: functions.sendEmailApi,
      resources: { table: props.table, emailSending, ...links },
    });
    this.emailTracking = new NurtureFunction(this, 'EmailTracking', {
      definition: functions.emailTracking,
      resources: { table: props.table, ...links },
    });
    this.emailPreferences = new NurtureFunction(this, 'EmailPreferences', {
      definition: functions.emailPreferences,
      resources: { table: props.table, ...links },
    });
    this.emailReminders = new NurtureFunction(this, 'EmailReminders', {
      definition: functions.emailReminders,
      resources: { table: props.table, emailSending, ...links },
    });
    this.sesEvents = new NurtureFunction(this, 'SesEvents', {
      definition: functions.sesEvents,
      resources: { table: props.table },
      // SES tags every event with its configuration set: only ours reach the function.
      eventDetail: { mail: { tags: { 'ses:configuration-set': [this.configurationSet.configurationSetName] } } },
    });
    this.sesEventsRule = this.sesEvents.rule!;
  }

  /**
   * Tells the functions that write links into emails the public base URL of the HTTP API: the email functions
   * and `others` that send email (the reactor's double opt-in confirmations).
   */
  usePublicUrl(url: string, ...others: readonly NurtureFunction[]): void {
    for (const fn of [this.sendEmail, this.sendEmailApi, this.emailReminders, ...others]) fn.bindLate({ publicBaseUrl: url });
  }
}

/**
 * The SES identity sends are authorized on: `configured` when the sender address belongs to it (the address itself,
 * its domain or a parent domain, as SES authorizes a subdomain by its verified parent), else an error naming both.
 */
export function senderIdentity(address: string, configured?: string): string {
  const domain = address.split('@')[1]?.toLowerCase() ?? '';
  if (configured === undefined) return domain;
  const identity = configured.toLowerCase();
  const belongs = identity.includes('@') ? identity === address.toLowerCase() : domain === identity || domain.endsWith(`.${identity}`);
  if (!belongs) {
    throw new Error(
      `sender.identity "${configured}" (nurture.config.yaml) does not cover the sender address of content/email.yaml (${address}): ` +
        'SES would refuse every send. Set it to that address\'s domain, or change the sender.',
    );
  }
  return identity;
}
