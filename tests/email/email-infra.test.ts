import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Data } from '../../lib/data/data.construct';
import { Email } from '../../lib/email/email.construct';
import { provideStackWideResources, type NurtureFunction } from '../../lib/shared/nurture-function';
import { nagCheckedApp, SKIP_BUNDLING } from '../support/cdk';

const SYNTH_TIMEOUT_MS = 120_000;

/** The Email construct in a stack of its own (with the table and admin token it needs): exact IAM and env. */
describe('Email construct', { timeout: SYNTH_TIMEOUT_MS }, () => {
  let stack: Stack;
  let email: Email;
  let data: Data;
  let template: Template;

  beforeAll(() => {
    // Bundling is skipped: the assertions read IAM, environment and triggers; tests/infra bundles every handler.
    const app = nagCheckedApp(SKIP_BUNDLING);
    stack = new Stack(app, 'EmailTest', { env: { account: '123456789012', region: 'eu-west-1' } });
    // What NurtureStack hands every function from the environment's configuration.
    provideStackWideResources(stack, { metricsNamespace: 'EmailTest', retention: { idempotencyDays: 1, rawEventsDays: 30 }, formOrigins: [] });
    data = new Data(stack, 'Data');
    email = new Email(stack, 'Email', { table: data.table });
    email.usePublicUrl('https://api.example.test/');
    template = Template.fromStack(stack);
  }, SYNTH_TIMEOUT_MS);

  const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });
  const arn = (construct: IConstruct, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId(construct), attribute] });
  const statementsOf = (fn: NurtureFunction) => {
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(fn.role) }] } });
    return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement as unknown[]);
  };
  const baseline = (fn: NurtureFunction) => [
    { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arn(fn.logGroup) },
    { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
  ];
  const configurationSetArn = () => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:123456789012:configuration-set/', ref(email.configurationSet)]],
  });
  const sesSend = () => ({
    Effect: 'Allow',
    Action: 'ses:SendEmail',
    Resource: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:123456789012:identity/example.com']] }, configurationSetArn()],
  });
  const readKeys = () => ({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: ref(email.signingKeys) });

  it('lets the send step read and write its items, check the enrolment, send as the sender domain in the configuration set, and read the signing keys, nothing more', () => {
    expect(statementsOf(email.sendEmail)).toEqual([
      ...baseline(email.sendEmail),
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem'],
        Resource: arn(data.table),
      },
      sesSend(),
      readKeys(),
    ]);
  });

  it('gives the send step its table, configuration set, signing-key secret and public URL', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arn(email.sendEmail.role),
      Environment: {
        Variables: Match.objectEquals({
          NODE_OPTIONS: '--enable-source-maps',
          TABLE_NAME: ref(data.table),
          SES_CONFIGURATION_SET: ref(email.configurationSet),
          EMAIL_SIGNING_KEYS_SECRET_ARN: ref(email.signingKeys),
          PUBLIC_BASE_URL: 'https://api.example.test/',
          POWERTOOLS_METRICS_NAMESPACE: 'EmailTest',
        }),
      },
    });
  });

  it('lets tracking and the preference page read and write items and read the signing keys, and send nothing', () => {
    for (const fn of [email.emailTracking, email.emailPreferences]) {
      expect(statementsOf(fn)).toEqual([
        ...baseline(fn),
        { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: arn(data.table) },
        readKeys(),
      ]);
    }
  });

  it('runs the double opt-in reminders hourly, with the send step\'s rights plus reading and dropping due items', () => {
    expect(statementsOf(email.emailReminders)).toEqual([
      ...baseline(email.emailReminders),
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        Resource: arn(data.table),
      },
      sesSend(),
      readKeys(),
    ]);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(15 * * * ? *)',
      Target: Match.objectLike({ Arn: arn(email.emailReminders.function), RetryPolicy: { MaximumRetryAttempts: 2 } }),
    });
  });

  it('lets ses-events read and write items only', () => {
    expect(statementsOf(email.sesEvents)).toEqual([
      ...baseline(email.sesEvents),
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: arn(data.table) },
    ]);
  });

  it('publishes delivery, bounce, complaint, reject and delay events of its configuration set to EventBridge', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: Match.arrayEquals(['delivery', 'bounce', 'complaint', 'reject', 'deliveryDelay']),
        EventBridgeDestination: { EventBusArn: Match.anyValue() },
      },
    });
  });

  it('routes only its own configuration set\'s SES events to ses-events, with retries', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ses'],
        'detail-type': ['Email Delivered', 'Email Bounced', 'Email Complaint Received', 'Email Rejected', 'Email Delivery Delayed'],
        detail: { mail: { tags: { 'ses:configuration-set': [ref(email.configurationSet)] } } },
      },
      Targets: [Match.objectLike({ Arn: arn(email.sesEvents.function), RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86_400 } })],
    });
  });

  it('reports no unacknowledged cdk-nag finding', () => {
    const annotations = Annotations.fromStack(stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];
    expect(findings.map((finding) => `${finding.id}: ${String(finding.entry.data)}`)).toEqual([]);
  });
});
