import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SmsConfig } from '../../lib/config/environment-config';
import { Data } from '../../lib/data/data.construct';
import { Sms } from '../../lib/sms/sms.construct';
import { provideStackWideResources, type NurtureFunction } from '../../lib/shared/nurture-function';
import { nagCheckedApp, nagFindings, SKIP_BUNDLING } from '../support/cdk';

const SYNTH_TIMEOUT_MS = 120_000;
const NUMBER_ARN = 'arn:aws:sms-voice:eu-west-1:123456789012:phone-number/phone-0123456789abcdef';

/** The Sms construct in a stack of its own (with the table it needs), SMS on: exact IAM, env, triggers, cdk-nag. */
describe('Sms construct', { timeout: SYNTH_TIMEOUT_MS }, () => {
  let stack: Stack;
  let sms: Sms;
  let data: Data;
  let template: Template;

  beforeAll(() => {
    const app = nagCheckedApp(SKIP_BUNDLING);
    stack = new Stack(app, 'SmsTest', { env: { account: '123456789012', region: 'eu-west-1' } });
    provideStackWideResources(stack, { metricsNamespace: 'SmsTest', retention: { idempotencyDays: 1, rawEventsDays: 30 }, formOrigins: [] });
    data = new Data(stack, 'Data');
    sms = new Sms(stack, 'Sms', { table: data.table, config: SmsConfig.parse({ enabled: true, originationIdentity: NUMBER_ARN, configurationSet: 'nurture-sms' }) });
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT_MS);

  const logicalId = (construct: IConstruct) => stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
  const arn = (construct: IConstruct, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId(construct), attribute] });
  const statementsOf = (fn: NurtureFunction) => {
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(fn.role) }] } });
    return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement as unknown[]);
  };
  const baseline = (fn: NurtureFunction) => [
    { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arn(fn.logGroup) },
    { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
  ];
  const table = (...actions: string[]) => ({ Effect: 'Allow', Action: actions, Resource: arn(data.table) });
  const send = () => ({ Effect: 'Allow', Action: 'sms-voice:SendTextMessage', Resource: [NUMBER_ARN, { 'Fn::GetAtt': [logicalId(sms.configurationSet), 'Arn'] }] });
  const optOutList = () => ({ 'Fn::GetAtt': [logicalId(sms.optOutList), 'Arn'] });
  const environmentOf = (fn: NurtureFunction) =>
    Object.values(template.findResources('AWS::Lambda::Function')).find((resource) => JSON.stringify(resource).includes(logicalId(fn.role)))?.Properties.Environment.Variables as Record<string, unknown>;
  const smsVariables = {
    SMS_ENABLED: 'true',
    SMS_ORIGINATION_IDENTITY: NUMBER_ARN,
    SMS_CONFIGURATION_SET: 'nurture-sms',
    SMS_OPT_OUT_LIST: 'SmsTest-sms-opt-outs',
    SMS_MESSAGE_TYPE: 'PROMOTIONAL',
    SMS_QUIET_HOURS: '21:00-08:00',
    SMS_HELP_TEXT: 'Nurture: marketing texts. Msg&data rates may apply. Reply STOP to opt out.',
  };

  it('lets the send step send from the origination identity in the configuration set and read the opt-out list, nothing else', () => {
    expect(statementsOf(sms.sendSms)).toEqual([
      ...baseline(sms.sendSms),
      table('dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem'),
      send(),
      { Effect: 'Allow', Action: 'sms-voice:DescribeOptedOutNumbers', Resource: optOutList() },
    ]);
  });

  it('lets the inbound handler update the opt-out list and answer HELP, nothing else', () => {
    expect(statementsOf(sms.smsInbound)).toEqual([
      ...baseline(sms.smsInbound),
      table('dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'),
      send(),
      { Effect: 'Allow', Action: ['sms-voice:DescribeOptedOutNumbers', 'sms-voice:PutOptedOutNumber', 'sms-voice:DeleteOptedOutNumber'], Resource: optOutList() },
    ]);
  });

  it('lets the delivery events handler read profiles and append events only', () => {
    expect(statementsOf(sms.smsEvents)).toEqual([...baseline(sms.smsEvents), table('dynamodb:GetItem', 'dynamodb:PutItem')]);
  });

  it('hands the SMS functions exactly the SMS settings as environment variables', () => {
    expect(environmentOf(sms.sendSms)).toMatchObject({ ...smsVariables, TABLE_NAME: { Ref: logicalId(data.table) } });
    expect(Object.keys(environmentOf(sms.sendSms)).filter((name) => name.startsWith('SMS_')).sort()).toEqual(Object.keys(smsVariables).sort());
    expect(environmentOf(sms.smsInbound)).toMatchObject(smsVariables);
    expect(Object.keys(environmentOf(sms.smsEvents)).filter((name) => name.startsWith('SMS_'))).toEqual([]);
  });

  it('subscribes the inbound handler to the inbound topic, which End User Messaging of this account may publish to', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', TopicArn: { Ref: logicalId(sms.inboundTopic) }, Endpoint: arn(sms.smsInbound.function) });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'sms-voice.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } }),
        ]),
      },
    });
  });

  it('routes End User Messaging delivery statuses to the delivery events handler', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.sms-voice'], 'detail-type': ['Text Message Delivery Status Updated'] },
      Targets: [Match.objectLike({ Arn: arn(sms.smsEvents.function) })],
    });
  });

  it('creates the configuration set and the opt-out list', () => {
    template.hasResourceProperties('AWS::SMSVOICE::ConfigurationSet', { ConfigurationSetName: 'nurture-sms' });
    template.hasResourceProperties('AWS::SMSVOICE::OptOutList', { OptOutListName: 'SmsTest-sms-opt-outs' });
  });

  it('reports no unacknowledged cdk-nag error or warning', () => {
    expect(nagFindings(stack)).toEqual({ errors: [], warnings: [] });
  });
});

describe('Sms construct with SMS off', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('grants no SendTextMessage at all', () => {
    const app = nagCheckedApp(SKIP_BUNDLING);
    const stack = new Stack(app, 'SmsOff', { env: { account: '123456789012', region: 'eu-west-1' } });
    provideStackWideResources(stack, { metricsNamespace: 'SmsOff', retention: { idempotencyDays: 1, rawEventsDays: 30 }, formOrigins: [] });
    const data = new Data(stack, 'Data');
    new Sms(stack, 'Sms', { table: data.table, config: SmsConfig.parse({}) });

    expect(JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'))).not.toContain('sms-voice:SendTextMessage');
  });
});
