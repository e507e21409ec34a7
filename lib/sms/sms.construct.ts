import { Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { CfnConfigurationSet, CfnOptOutList } from 'aws-cdk-lib/aws-smsvoice';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { SmsConfig } from '../config/environment-config';
import { functions } from '../functions';
import { NurtureFunction, type BindableResources } from '../shared/nurture-function';

export interface SmsProps {
  /** The single table: contacts, timelines, send records. */
  readonly table: ITableV2;
  /** nurture.config.yaml `sms` of the environment. */
  readonly config: SmsConfig;
}

/**
 * SMS through AWS End User Messaging: the configuration set every text is sent in, Nurture's own opt-out list
 * (self-managed opt-outs: Nurture answers STOP, START and HELP and keeps the list), and the journeys' send step.
 * The origination identity is the operator's (registered and bought outside the stack, docs/sms.md); with SMS off,
 * no function may send at all.
 */
export class Sms extends Construct {
  public readonly sendSms: NurtureFunction;
  public readonly smsInbound: NurtureFunction;
  public readonly smsEvents: NurtureFunction;
  /**
   * Two-way SMS publishes inbound texts here: the operator points the origination identity's two-way channel at it
   * (`TwoWayChannelArn`, docs/sms.md), with self-managed opt-outs on.
   */
  public readonly inboundTopic: Topic;
  public readonly configurationSet: CfnConfigurationSet;
  public readonly optOutList: CfnOptOutList;
  /** What a function needs to send texts and read or update the opt-out list (the `sms` binding). */
  public readonly sending: NonNullable<BindableResources['smsSending']>;

  constructor(scope: Construct, id: string, props: SmsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { config } = props;
    const configurationSetName = config.configurationSet ?? `${stack.stackName}-sms`;
    this.configurationSet = new CfnConfigurationSet(this, 'ConfigurationSet', { configurationSetName });
    const optOutListName = `${stack.stackName}-sms-opt-outs`;
    this.optOutList = new CfnOptOutList(this, 'OptOutList', { optOutListName });

    this.sending = {
      enabled: config.enabled,
      ...(config.enabled && config.originationIdentity ? { originationIdentityArn: config.originationIdentity } : {}),
      configurationSetName,
      configurationSetArn: this.configurationSet.attrArn,
      optOutListName,
      optOutListArn: this.optOutList.attrArn,
      messageType: config.messageType,
      quietHours: config.quietHours,
      helpText: config.helpText,
    };

    this.sendSms = new NurtureFunction(this, 'SendSms', {
      definition: functions.sendSms,
      resources: { table: props.table, smsSending: this.sending },
    });

    this.inboundTopic = new Topic(this, 'InboundTopic', { displayName: 'Nurture inbound SMS', enforceSSL: true });
    // End User Messaging publishes inbound texts to the topic (its service principal, from this account only).
    this.inboundTopic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('sms-voice.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.inboundTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    NagSuppressions.addResourceSuppressions(this.inboundTopic, [
      {
        id: 'AwsSolutions-SNS2',
        reason: 'Inbound texts are already on the carrier network in the clear; the AWS-managed SNS key would not stop End User Messaging publishing, and a customer key adds cost without protecting anything more.',
      },
    ]);
    this.smsInbound = new NurtureFunction(this, 'SmsInbound', {
      definition: functions.smsInbound,
      resources: { table: props.table, smsSending: this.sending, smsInbound: this.inboundTopic },
    });
    this.smsEvents = new NurtureFunction(this, 'SmsEvents', { definition: functions.smsEvents, resources: { table: props.table } });
  }
}
