import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { timelineInsertFilter } from '../../functions/reactor/stream-filter';
import { bindingKindsOf, definitionOf, functionKeys, routes, type FunctionKey } from '../../lib/functions';
import { Data } from '../../lib/data/data.construct';
import { createTableInput, tableDefinition } from '../../lib/data/table-definition';
import { journeys as journeyFiles } from '../../functions/journeys/journeys';
import { compileJourney } from '../../lib/journeys/compiler';
import { broadcastStateMachine } from '../../lib/broadcasts/state-machine';
import { NurtureStack } from '../../lib/nurture-stack';
import type { IConstruct } from 'constructs';
import type { NurtureFunction } from '../../lib/shared/nurture-function';
import { bindingVariables, variableNames, type BindingKind } from '../../lib/shared/bindings';
import { localEnvironments } from '../../local/environments';
import { baselineStatements, bundleWithLocalEsbuild, nagCheckedApp, nagFindings, referencesIn, SYNTH_TIMEOUT_MS, testConfig } from '../support/cdk';

// One synth of the whole stack, bundling every handler, serves every test here, cdk-nag's included.
/** The SMS settings a function with the `sms` binding gets (SMS off in the test configuration). */
const smsVariables = {
  SMS_ENABLED: 'false',
  SMS_ORIGINATION_IDENTITY: 'none',
  SMS_CONFIGURATION_SET: Match.anyValue(),
  SMS_OPT_OUT_LIST: Match.anyValue(),
  SMS_MESSAGE_TYPE: Match.anyValue(),
  SMS_QUIET_HOURS: '21:00-08:00',
  SMS_HELP_TEXT: Match.anyValue(),
};

let stack: NurtureStack;
let template: Template;

beforeAll(() => {
  bundleWithLocalEsbuild();
  stack = new NurtureStack(nagCheckedApp(), 'Nurture', { config: testConfig() });
  template = Template.fromStack(stack);
}, SYNTH_TIMEOUT_MS);

describe('NurtureStack', () => {
  const { logicalId, ref, arn } = referencesIn(() => stack);
  const functions = (): Record<FunctionKey, NurtureFunction> => ({
    submitForm: stack.forms.submitForm,
    track: stack.tracking.track,
    readContacts: stack.contacts.readContacts,
    upsertContact: stack.contacts.upsertContact,
    unsubscribeContact: stack.contacts.unsubscribeContact,
    importContacts: stack.contacts.importContacts,
    importFile: stack.contacts.importFile,
    contactsOut: stack.contactsOut.contactsOut,
    reactor: stack.reactor.reactor,
    readScore: stack.scoring.readScore,
    reports: stack.reports.reports,
    experiments: stack.experiments.experiments,
    segmentsApi: stack.segments.segmentsApi,
    segmentPreview: stack.segments.segmentPreview,
    handOff: stack.crm.handOff,
    crmHandOffWorker: stack.crm.handOffWorker,
    crmWebhook: stack.crm.webhook,
    sendEmail: stack.email.sendEmail,
    sendSms: stack.sms.sendSms,
    smsInbound: stack.sms.smsInbound,
    smsEvents: stack.sms.smsEvents,
    sendEmailApi: stack.email.sendEmailApi,
    emailTracking: stack.email.emailTracking,
    emailPreferences: stack.email.emailPreferences,
    sesEvents: stack.email.sesEvents,
    emailReminders: stack.email.emailReminders,
    journeyStep: stack.journeys.journeyStep,
    journeyStatus: stack.journeys.journeyStatus,
    journeySweep: stack.journeys.journeySweep,
    journeyMigrate: stack.journeys.journeyMigrate,
    segmentSweep: stack.segments.segmentSweep,
    journeysApi: stack.journeys.journeysApi,
    broadcastStep: stack.broadcasts.broadcastStep,
    broadcastsApi: stack.broadcasts.broadcastsApi,
    authorizer: stack.api.access.authorizer,
    keysApi: stack.api.access.keysApi,
    consoleApi: stack.api.access.consoleApi,
  });

  /**
   * Every statement the function's role is allowed (after writing its logs and traces, which every role has),
   * asserting the role has no other source of permissions.
   */
  function expectRoleStatements(fn: NurtureFunction, statements: unknown[]) {
    const roleId = logicalId(fn.role);
    template.resourcePropertiesCountIs('AWS::IAM::Policy', { Roles: Match.arrayWith([{ Ref: roleId }]) }, 1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: { Statement: Match.arrayEquals([...baselineStatements(fn, arn), ...statements]) },
    });
  }

  describe('table', () => {
    it('is built from the shared table definition, keyed exactly like the local table', () => {
      // Prepare
      const local = createTableInput('unused');

      // Act & Assess
      template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: local.KeySchema,
        AttributeDefinitions: Match.arrayEquals(local.AttributeDefinitions!),
        GlobalSecondaryIndexes: local.GlobalSecondaryIndexes!.map((index) => ({
          IndexName: index.IndexName,
          KeySchema: index.KeySchema,
          Projection: index.Projection,
        })),
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        TimeToLiveSpecification: { AttributeName: tableDefinition.timeToLiveAttribute, Enabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        Replicas: [
          Match.objectLike({
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            DeletionProtectionEnabled: true,
          }),
        ],
      });
    });

    it('survives the deletion of the stack', () => {
      template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    it('can have deletion protection turned off for a throwaway stack', () => {
      // Prepare
      const scratch = new Stack(new App(), 'Scratch');

      // Act
      new Data(scratch, 'Data', { deletionProtection: false });

      // Assess
      Template.fromStack(scratch).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })],
      });
    });
  });

  describe('functions', () => {
    it('deploys every function of the registry, and nothing else', () => {
      expect(Object.keys(functions()).sort()).toEqual([...functionKeys].sort());
      // Besides the CDK's own BucketDeployment provider, which uploads the dashboard's files.
      const deployed = Object.keys(template.findResources('AWS::Lambda::Function'));
      expect(deployed.filter((id) => !id.startsWith('CustomCDKBucketDeployment'))).toHaveLength(functionKeys.length);
    });

    it.each(functionKeys)(
      '%s runs bundled ESM on Node.js 22, arm64, traced, logging to its own log group, sized as registered',
      (key) => {
        // Prepare
        const fn = functions()[key];
        const definition = definitionOf(key);

        // Act & Assess
        template.hasResourceProperties('AWS::Lambda::Function', {
          Role: arn(fn.role),
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          MemorySize: definition.memoryMb ?? 256,
          Timeout: definition.timeoutSeconds ?? 10,
          Description: definition.description,
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogGroup: ref(fn.logGroup) },
        });
        // The environment's log retention (testConfig: 90 days).
        expect(template.toJSON().Resources[logicalId(fn.logGroup)].Properties).toEqual({ RetentionInDays: 90 });
      },
    );

    // The environment's retention (testConfig): idempotency records 1 day, never-linked tracked activity 30 days.
    const retention = { IDEMPOTENCY_RETENTION_DAYS: '1', RAW_EVENT_RETENTION_DAYS: '30' };
    it.each<[string, (s: NurtureStack) => { fn: NurtureFunction; timeout?: number; variables: Record<string, unknown> }]>([
      ['submitForm the table name, the forms secret ARN, the metrics namespace, the retention, the site origins of the environment and the public URL its redirects are built from', (s) => ({
        fn: s.forms.submitForm,
        variables: {
          TABLE_NAME: ref(s.data.table),
          FORM_SECRETS_ARN: ref(s.forms.secrets),
          SUPPRESSION_KEY_SECRET_ARN: ref(s.contacts.suppressionKey),
          POWERTOOLS_METRICS_NAMESPACE: 'Nurture',
          ...retention,
          FORM_ALLOWED_ORIGINS: 'https://www.example.com',
          PUBLIC_BASE_URL: Match.anyValue(),
        },
      })],
      ['track the table name, the write-key secret ARN and the retention of the environment', (s) => ({
        fn: s.tracking.track,
        timeout: 15,
        variables: { TABLE_NAME: ref(s.data.table), WRITE_KEY_SECRET_ARN: ref(s.tracking.writeKey), ...retention },
      })],
      ['segmentsApi the table name (the authorizer checks its callers)', (s) => ({
        fn: s.segments.segmentsApi,
        timeout: 30,
        variables: { TABLE_NAME: ref(s.data.table) },
      })],
      ['readContacts the table name', (s) => ({
        fn: s.contacts.readContacts,
        variables: { TABLE_NAME: ref(s.data.table) },
      })],
      ['unsubscribeContact the table name', (s) => ({
        fn: s.contacts.unsubscribeContact,
        variables: { TABLE_NAME: ref(s.data.table) },
      })],
      ['segmentPreview the table name and a timeout within the API\'s', (s) => ({
        fn: s.segments.segmentPreview,
        timeout: 29,
        variables: { TABLE_NAME: ref(s.data.table) },
      })],
      ['upsertContact the table name and the suppression-key secret ARN', (s) => ({
        fn: s.contacts.upsertContact,
        variables: { TABLE_NAME: ref(s.data.table), SUPPRESSION_KEY_SECRET_ARN: ref(s.contacts.suppressionKey), ...retention },
      })],
      ['importContacts the table name and the suppression-key secret ARN', (s) => ({
        fn: s.contacts.importContacts,
        timeout: 29,
        variables: { TABLE_NAME: ref(s.data.table), SUPPRESSION_KEY_SECRET_ARN: ref(s.contacts.suppressionKey), ...retention },
      })],
      ['the authorizer the table name, the admin-token secret ARN (the bootstrap credential), the console pool\'s issuer, keys and client, and a short timeout', (s) => ({
        fn: s.api.access.authorizer,
        timeout: 5,
        variables: {
          TABLE_NAME: ref(s.data.table),
          ADMIN_TOKEN_SECRET_ARN: ref(s.contacts.adminToken),
          CONSOLE_TOKEN_ISSUER: s.resolve(s.api.access.consoleUsers.issuer),
          CONSOLE_JWKS_URI: s.resolve(s.api.access.consoleUsers.jwksUri),
          CONSOLE_CLIENT_ID: ref(s.api.access.consoleUsers.client),
        },
      })],
      ['the console API (GET /me, GET /audit) the table name', (s) => ({
        fn: s.api.access.consoleApi,
        variables: { TABLE_NAME: ref(s.data.table) },
      })],
      ['the keys API the table name, and no admin token', (s) => ({
        fn: s.api.access.keysApi,
        variables: { TABLE_NAME: ref(s.data.table) },
      })],
      ['importFile the table name, the suppression-key secret ARN, the import bucket\'s name and the longest timeout', (s) => ({
        fn: s.contacts.importFile,
        timeout: 900,
        variables: { TABLE_NAME: ref(s.data.table), SUPPRESSION_KEY_SECRET_ARN: ref(s.contacts.suppressionKey), IMPORT_BUCKET: ref(s.contacts.importBucket), ...retention },
      })],
      ['contactsOut the table name, the suppression-key and CRM secret ARNs and the journeys\' ARN prefix', (s) => ({
        fn: s.contactsOut.contactsOut,
        timeout: 60,
        variables: {
          TABLE_NAME: ref(s.data.table),
          JOURNEY_STATE_MACHINE_ARN_PREFIX: s.resolve(s.journeys.stateMachineArnPrefix),
          SUPPRESSION_KEY_SECRET_ARN: ref(s.contacts.suppressionKey),
          CRM_SECRET_ARN: ref(s.crm.settings),
        },
      })],
      ['the reactor the table name, the journey state machines\' ARN prefix and a timeout that fits a batch', (s) => ({
        fn: s.reactor.reactor,
        timeout: 30,
        variables: {
          TABLE_NAME: ref(s.data.table),
          JOURNEY_STATE_MACHINE_ARN_PREFIX: s.resolve(s.journeys.stateMachineArnPrefix),
          HANDOFF_QUEUE_URL: ref(s.crm.handOffs),
          SES_CONFIGURATION_SET: ref(s.email.configurationSet),
          EMAIL_SIGNING_KEYS_SECRET_ARN: ref(s.email.signingKeys),
          PUBLIC_BASE_URL: Match.anyValue(),
        },
      })],
      ['the broadcast step the table name, SES sending, the signing keys, the public URL and a page\'s timeout', (s) => ({
        fn: s.broadcasts.broadcastStep,
        timeout: 60,
        variables: {
          TABLE_NAME: ref(s.data.table),
          SES_CONFIGURATION_SET: ref(s.email.configurationSet),
          EMAIL_SIGNING_KEYS_SECRET_ARN: ref(s.email.signingKeys),
          PUBLIC_BASE_URL: Match.anyValue(),
          POWERTOOLS_METRICS_NAMESPACE: 'Nurture',
          ...smsVariables,
        },
      })],
      ['the broadcasts API the table name, the broadcast state machine and the default rate', (s) => ({
        fn: s.broadcasts.broadcastsApi,
        timeout: 29,
        variables: {
          TABLE_NAME: ref(s.data.table),
          BROADCAST_STATE_MACHINE_ARN: s.resolve(s.broadcasts.stateMachineArn),
          BROADCAST_DEFAULT_RATE: '14',
          ...smsVariables,
        },
      })],
    ])('gives %s', (_, expected) => {
      const { fn, timeout, variables } = expected(stack);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: arn(fn.role),
        ...(timeout === undefined ? {} : { Timeout: timeout }),
        Environment: { Variables: Match.objectEquals({ NODE_OPTIONS: '--enable-source-maps', ...variables }) },
      });
    });

    it('sets exactly the variables its registry bindings declare on every function, and nothing else', () => {
      for (const key of functionKeys) {
        // Prepare
        const resource = template.toJSON().Resources[logicalId(functions()[key].function)];

        // Act
        const names = Object.keys(resource.Properties.Environment.Variables as object).sort();

        // Assess
        expect(names, key).toEqual(['NODE_OPTIONS', ...variableNames(bindingKindsOf(key), 'deployed')].sort());
      }
    });

    it('gives every function in the local runtime the local variables of the same bindings CDK sets', () => {
      // Prepare: a value for every local variable any binding declares.
      const values = Object.fromEntries(functionKeys.flatMap((key) => variableNames(bindingKindsOf(key), 'local')).map((name) => [name, 'x']));

      // Act
      const local = localEnvironments(values, { NURTURE_LOCAL: '1' });

      for (const key of functionKeys) {
        const deployed = Object.keys(template.toJSON().Resources[logicalId(functions()[key].function)].Properties.Environment.Variables as object);
        // Assess: the same bindings on both sides; a variable differs only where a secret binding swaps the ARN for the value.
        const bindingsOf = (names: readonly string[], where: 'deployed' | 'local') =>
          (Object.keys(bindingVariables) as BindingKind[]).filter((kind) => {
            const declared = variableNames([kind], where);
            return declared.length > 0 && declared.every((name) => names.includes(name));
          });
        const localNames = Object.keys(local[key]);
        expect(localNames.filter((name) => name !== 'NURTURE_LOCAL').sort(), key).toEqual(variableNames(bindingKindsOf(key), 'local').sort());
        expect(bindingsOf(localNames, 'local'), key).toEqual(
          bindingsOf(deployed, 'deployed').filter((kind) => variableNames([kind], 'local').length > 0),
        );
      }
    });
  });

  describe('permissions', () => {
    const captureTableActions = [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:Query',
      'dynamodb:BatchWriteItem',
    ];
    const tableActions = (s: NurtureStack, ...actions: string[]) => ({
      Effect: 'Allow',
      Action: actions.length === 1 ? actions[0] : actions,
      Resource: arn(s.data.table),
    });
    const readSecret = (secret: IConstruct) => ({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: ref(secret) });
    const handOffLease = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem'];

    it('grants every function exactly the table actions the registry declares for it', () => {
      for (const key of functionKeys) {
        const declared = definitionOf(key).bindings.table?.actions ?? [];
        const roleId = logicalId(functions()[key].role);
        const statements = Object.values(
          template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
        ).flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
        const onTable = statements.find((st) => JSON.stringify(st.Resource) === JSON.stringify(arn(stack.data.table)));
        expect([onTable?.Action ?? []].flat(), key).toEqual(declared.map((action) => `dynamodb:${action}`));
      }
    });

    // Each function's role: exactly these statements besides writing its logs and traces.
    it.each<[string, (s: NurtureStack) => [NurtureFunction, unknown[]]]>([
      ['submitForm read and write items on the table and read the forms secret and the suppression key', (s) => [s.forms.submitForm, [
        tableActions(s, ...captureTableActions),
        readSecret(s.forms.secrets),
        readSecret(s.contacts.suppressionKey),
      ]]],
      ['track read and write items on the table and read the write key', (s) => [s.tracking.track, [
        tableActions(s, ...captureTableActions),
        readSecret(s.tracking.writeKey),
      ]]],
      ['readContacts get and query the table, query the search index', (s) => [s.contacts.readContacts, [
        tableActions(s, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'),
        { Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [arn(s.data.table), '/index/*']] } },
      ]]],
      ['upsertContact read claims, write a contact, its event and index entries in one transaction, and read the suppression key', (s) => [s.contacts.upsertContact, [
        tableActions(s, 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'),
        readSecret(s.contacts.suppressionKey),
      ]]],
      ['importContacts read claims and write each row\'s contact, event and index entries in one transaction, and read the suppression key', (s) => [s.contacts.importContacts, [
        tableActions(s, 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'),
        readSecret(s.contacts.suppressionKey),
      ]]],
      ['importFile read claims and write each row\'s contact, read the suppression key, read dropped files under imports/ and write reports under reports/', (s) => [s.contacts.importFile, [
        tableActions(s, 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'),
        readSecret(s.contacts.suppressionKey),
        { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [arn(s.contacts.importBucket), '/imports/*']] } },
        { Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [arn(s.contacts.importBucket), '/reports/*']] } },
      ]]],
      ['contactsOut read and delete a contact\'s items, stop its journeys, read the CRM settings and the suppression key', (s) => [s.contactsOut.contactsOut, [
        tableActions(s, 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'),
        { Effect: 'Allow', Action: 'states:StopExecution', Resource: s.resolve(`${s.journeys.executionArnPrefix}*`) },
        readSecret(s.crm.settings),
        readSecret(s.contacts.suppressionKey),
      ]]],
      ['the reactor read and update items, start journeys, read the table stream and report failed batches', (s) => [s.reactor.reactor, [
        tableActions(s, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'),
        {
          Effect: 'Allow',
          Action: ['states:StartExecution', 'states:SendTaskSuccess'],
          Resource: s.resolve(`${s.journeys.stateMachineArnPrefix}*`),
        },
        { Effect: 'Allow', Action: 'states:StopExecution', Resource: s.resolve(`${s.journeys.executionArnPrefix}*`) },
        {
          Effect: 'Allow',
          Action: 'ses:SendEmail',
          Resource: [s.resolve(s.email.sending.identityArn), s.resolve(s.email.sending.configurationSetArn)],
        },
        readSecret(s.email.signingKeys),
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: arn(s.crm.handOffs) },
        {
          Effect: 'Allow',
          Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
          Resource: arn(s.reactor.failedBatches),
        },
        { Effect: 'Allow', Action: 'dynamodb:ListStreams', Resource: arn(s.data.table, 'StreamArn') },
        {
          Effect: 'Allow',
          Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
          Resource: arn(s.data.table, 'StreamArn'),
        },
      ]]],
      ['unsubscribeContact read a profile and write its consent change and event', (s) => [s.contacts.unsubscribeContact, [
        tableActions(s, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'),
      ]]],
      ['segmentPreview scan the profiles and query partitions and counters, and write only its audit record', (s) => [s.segments.segmentPreview, [
        tableActions(s, 'dynamodb:Scan', 'dynamodb:Query', 'dynamodb:PutItem'),
      ]]],
      ['readScore get and query the table', (s) => [s.scoring.readScore, [
        tableActions(s, 'dynamodb:GetItem', 'dynamodb:Query'),
      ]]],
      ['segmentsApi query the counters, read the members index and their profiles', (s) => [s.segments.segmentsApi, [
        tableActions(s, 'dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'),
        { Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [arn(s.data.table), '/index/*']] } },
      ]]],
      ['reports query the table and put program costs', (s) => [s.reports.reports, [
        tableActions(s, 'dynamodb:Query', 'dynamodb:PutItem'),
      ]]],
      ['experiments query the table', (s) => [s.experiments.experiments, [
        tableActions(s, 'dynamodb:Query'),
      ]]],
      ['the hand-off step take its contact\'s hand-off lease, read and record hand-offs and failures, read the CRM settings and park hand-offs in the queue', (s) => [s.crm.handOff, [
        tableActions(s, ...handOffLease),
        readSecret(s.crm.settings),
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: arn(s.crm.handOffs) },
      ]]],
      ['the hand-off worker take its contact\'s hand-off lease, record hand-offs and failures, read the CRM settings and consume its queue', (s) => [s.crm.handOffWorker, [
        tableActions(s, ...handOffLease),
        readSecret(s.crm.settings),
        {
          Effect: 'Allow',
          Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
          Resource: arn(s.crm.handOffs),
        },
      ]]],
      ['the CRM webhook find contacts (GSI1 included), append events and read the CRM settings', (s) => [s.crm.webhook, [
        tableActions(s, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:ConditionCheckItem'),
        { Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [arn(s.data.table), '/index/*']] } },
        readSecret(s.crm.settings),
      ]]],
      ['journeyStatus record how an execution ended and delete its waits on the table', (s) => [s.journeys.journeyStatus, [
        tableActions(s, 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem'),
      ]]],
      ['the broadcast step read and commit broadcasts, page through segments (GSI1), read experiment counters, send email and read the signing keys', (s) => [s.broadcasts.broadcastStep, [
        tableActions(s, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:Query'),
        { Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [arn(s.data.table), '/index/*']] } },
        {
          Effect: 'Allow',
          Action: 'ses:SendEmail',
          Resource: [s.resolve(s.email.sending.identityArn), s.resolve(s.email.sending.configurationSetArn)],
        },
        // SMS is off in this configuration: no SendTextMessage, only the opt-out list's read.
        { Effect: 'Allow', Action: 'sms-voice:DescribeOptedOutNumbers', Resource: s.resolve(s.sms.sending.optOutListArn) },
        readSecret(s.email.signingKeys),
      ]]],
      ['the broadcasts API write and read broadcasts, query GSI1 and start and stop broadcast executions', (s) => [s.broadcasts.broadcastsApi, [
        tableActions(s, 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'),
        { Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [arn(s.data.table), '/index/*']] } },
        { Effect: 'Allow', Action: 'sms-voice:DescribeOptedOutNumbers', Resource: s.resolve(s.sms.sending.optOutListArn) },
        { Effect: 'Allow', Action: 'states:StartExecution', Resource: s.resolve(s.broadcasts.stateMachineArn) },
        { Effect: 'Allow', Action: 'states:StopExecution', Resource: s.resolve(`${s.broadcasts.stateMachineArn.replace(':stateMachine:', ':execution:')}:*`) },
      ]]],
      ['the authorizer read a key and record its last use, and read the admin token (the bootstrap credential)', (s) => [s.api.access.authorizer, [
        tableActions(s, 'dynamodb:GetItem', 'dynamodb:UpdateItem'),
        readSecret(s.contacts.adminToken),
      ]]],
      ['the keys API create, read and revoke keys and list them through GSI1, and read no secret', (s) => [s.api.access.keysApi, [
        tableActions(s, 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'),
        { Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [arn(s.data.table), '/index/*']] } },
      ]]],
      ['the console API query the audit trail, and nothing else', (s) => [s.api.access.consoleApi, [tableActions(s, 'dynamodb:Query')]]],
    ])('lets %s, nothing more', (_, expected) => {
      expectRoleStatements(...expected(stack));
    });

    it('attaches no managed or inline role policies anywhere but to the CDK\'s BucketDeployment provider', () => {
      const managed = Object.keys(template.findResources('AWS::IAM::Role', { Properties: { ManagedPolicyArns: Match.anyValue() } }));
      expect(managed).toEqual([logicalId(stack.console.deploymentRole)]);
      expect(template.findResources('AWS::IAM::Role', { Properties: { Policies: Match.anyValue() } })).toEqual({});
    });
  });

  describe('reactor stream', () => {
    it('feeds only inserted timeline events to the reactor, in batches, with failures isolated and kept', () => {
      template.resourcePropertiesCountIs('AWS::Lambda::EventSourceMapping', { FunctionName: ref(stack.reactor.reactor.function) }, 1);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: ref(stack.reactor.reactor.function),
        EventSourceArn: arn(stack.data.table, 'StreamArn'),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 1,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 5,
        MaximumRecordAgeInSeconds: 86_400,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify(timelineInsertFilter) }] },
        DestinationConfig: { OnFailure: { Destination: arn(stack.reactor.failedBatches) } },
      });
    });

    it('keeps failed batches for 14 days in an encrypted queue that refuses plain HTTP', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        MessageRetentionPeriod: 14 * 24 * 60 * 60,
        SqsManagedSseEnabled: true,
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(stack.reactor.failedBatches)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });
  });

  describe('crm hand-off queue', () => {
    it('redelivers a failed hand-off after a visibility timeout and parks it in an encrypted dead-letter queue after 5 deliveries', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        VisibilityTimeout: 180,
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: arn(stack.crm.deadLetters), maxReceiveCount: 5 },
      });
      template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 86_400, SqsManagedSseEnabled: true });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: arn(stack.crm.handOffWorker.role),
        // The worker reads the queue's maxReceiveCount from its registry entry, which also sets the queue's (above).
        Environment: {
          Variables: Match.objectEquals({
            NODE_OPTIONS: '--enable-source-maps',
            TABLE_NAME: ref(stack.data.table),
            HANDOFF_QUEUE_URL: ref(stack.crm.handOffs),
            CRM_SECRET_ARN: ref(stack.crm.settings),
            POWERTOOLS_METRICS_NAMESPACE: 'Nurture',
          }),
        },
      });
    });

    it('feeds the worker with partial batch responses', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: arn(stack.crm.handOffs),
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });
  });

  describe('journeys', () => {
    it('deploys one Standard state machine per journey file, traced, logging every event without execution data', () => {
      // Prepare
      const machines = template.findResources('AWS::StepFunctions::StateMachine');

      // Act & Assess: the journeys' and the one broadcast state machine.
      expect(Object.values(machines).map((m) => m.Properties.StateMachineName).sort()).toEqual(
        ['Nurture-broadcast', ...[...journeyFiles.keys()].sort().map((id) => `Nurture-journey-${id}`)],
      );
      for (const machine of Object.values(machines)) {
        expect(machine.Properties).toMatchObject({
          StateMachineType: 'STANDARD',
          TracingConfiguration: { Enabled: true },
          LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
        });
      }
    });

    it('deploys the compiled ASL, with each task function substituted by its ARN', () => {
      const journey = journeyFiles.get('budget-router')!;
      const machine = stack.journeys.stateMachines.get('budget-router')!;

      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: 'Nurture-journey-budget-router',
        DefinitionString: JSON.stringify(compileJourney(journey)),
        DefinitionSubstitutions: {
          sendEmail: arn(stack.email.sendEmail.function),
          handOff: arn(stack.crm.handOff.function),
          journeyStep: arn(stack.journeys.journeyStep.function),
        },
      });
      expect(machine.stateMachineArn).toBeDefined();
    });

    it('publishes each journey as a version kept across deploys, with a live alias routing every new entry to it', () => {
      const machine = stack.journeys.stateMachines.get('budget-router')!;
      const versions = template.findResources('AWS::StepFunctions::StateMachineVersion');
      expect(Object.keys(versions)).toHaveLength(journeyFiles.size);
      const [versionId, version] = Object.entries(versions).find(([, v]) => JSON.stringify(v.Properties.StateMachineArn) === JSON.stringify({ Ref: logicalId(machine) }))!;
      expect(version).toMatchObject({
        UpdateReplacePolicy: 'Retain',
        Properties: { StateMachineRevisionId: { 'Fn::GetAtt': [logicalId(machine), 'StateMachineRevisionId'] } },
      });
      template.hasResourceProperties('AWS::StepFunctions::StateMachineAlias', {
        Name: 'live',
        RoutingConfiguration: [{ StateMachineVersionArn: { 'Fn::GetAtt': [versionId, 'Arn'] }, Weight: 100 }],
      });
      expect(Object.keys(template.findResources('AWS::StepFunctions::StateMachineAlias'))).toHaveLength(journeyFiles.size);
    });

    it('runs the journey migrator after every deploy that publishes a version (a custom resource it answers itself) and every 15 minutes', () => {
      const resource = Object.values(template.findResources('Custom::NurtureJourneyVersions'));
      expect(resource).toHaveLength(1);
      expect(resource[0]!.Properties.ServiceToken).toEqual(arn(stack.journeys.journeyMigrate.function));
      expect(resource[0]!.Properties.versions).toEqual([...stack.journeys.versions.values()].map((version) => ({ 'Fn::GetAtt': [stack.getLogicalId(version), 'Arn'] })));
      expect(resource[0]!.DependsOn).toEqual(expect.arrayContaining([...stack.journeys.aliases.values()].map((alias) => stack.getLogicalId(alias))));
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(15 minutes)',
        Target: Match.objectLike({ Arn: arn(stack.journeys.journeyMigrate.function) }),
      });
    });

    it('lets the migrator read versions, aliases and executions of journeys, start through the alias and stop, on journey ARNs only', () => {
      const fn = stack.journeys.journeyMigrate;
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: logicalId(fn.role) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Effect: 'Allow',
              Action: ['states:StartExecution', 'states:DescribeStateMachine', 'states:DescribeStateMachineAlias', 'states:ListExecutions'],
              Resource: stack.resolve(`${stack.journeys.stateMachineArnPrefix}*`),
            },
            {
              Effect: 'Allow',
              Action: ['states:StopExecution', 'states:DescribeExecution', 'states:DescribeStateMachineForExecution', 'states:GetExecutionHistory'],
              Resource: stack.resolve(`${stack.journeys.executionArnPrefix}*`),
            },
          ]),
        },
      });
    });

    it('lets a journey invoke only the step functions its steps use', () => {
      // cart-recovery only sends email and waits: no hand-off, no journey steps.
      const role = stack.journeys.stateMachines.get('cart-recovery')!.role;
      const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(role) }] } }));
      const invoke = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
        .filter((st) => [st.Action].flat().includes('lambda:InvokeFunction'));

      expect(JSON.stringify(invoke)).toContain(logicalId(stack.email.sendEmail.function));
      expect(JSON.stringify(invoke)).not.toContain(logicalId(stack.crm.handOff.function));
    });

    it('sends executions ending to journeyStatus, and runs the date sweep daily', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectLike({ source: ['aws.states'], 'detail-type': ['Step Functions Execution Status Change'] }),
        Targets: [Match.objectLike({ Arn: arn(stack.journeys.journeyStatus.function) })],
      });
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 5 * * ? *)',
        Target: Match.objectLike({ Arn: arn(stack.journeys.journeySweep.function) }),
      });
    });

    it('runs the segment window sweep every 15 minutes', () => {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(15 minutes)',
        Target: Match.objectLike({ Arn: arn(stack.segments.segmentSweep.function) }),
      });
    });

    it('lets the journeys API stop executions and the reactor start, resume and stop them, on journey ARNs only', () => {
      const fn = stack.journeys.journeysApi;
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: logicalId(fn.role) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            { Effect: 'Allow', Action: 'states:StopExecution', Resource: stack.resolve(`${stack.journeys.executionArnPrefix}*`) },
          ]),
        },
      });
    });
  });

  describe('broadcasts', () => {
    it('deploys the broadcast ASL with the step function substituted by its ARN, and lets the state machine invoke it', () => {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: 'Nurture-broadcast',
        DefinitionString: JSON.stringify(broadcastStateMachine()),
        DefinitionSubstitutions: { broadcastStep: arn(stack.broadcasts.broadcastStep.function) },
      });
    });
  });

  describe('import bucket', () => {
    it('is private, encrypted, refuses plain HTTP, tells EventBridge of new objects and expires imports and reports after 30 days', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
        LifecycleConfiguration: {
          Rules: Match.arrayEquals([
            { Id: 'ExpireImports', Prefix: 'imports/', ExpirationInDays: 30, Status: 'Enabled' },
            { Id: 'ExpireReports', Prefix: 'reports/', ExpirationInDays: 30, Status: 'Enabled' },
            { Id: 'AbortIncompleteUploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
          ]),
        },
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: ref(stack.contacts.importBucket),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('survives the deletion of the stack, as the table does', () => {
      expect(template.toJSON().Resources[logicalId(stack.contacts.importBucket)]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    it('sends objects created under imports/ in this bucket, and nothing else, to importFile', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: { object: { key: [{ prefix: 'imports/' }] }, bucket: { name: [ref(stack.contacts.importBucket)] } },
        },
        Targets: [Match.objectLike({ Arn: arn(stack.contacts.importFile.function) })],
      });
    });

    it('outputs the bucket\'s name', () => {
      template.hasOutput('*', { Value: ref(stack.contacts.importBucket) });
    });

    it('needs no custom resource: the bucket sets its EventBridge notifications itself', () => {
      expect(template.findResources('Custom::S3BucketNotifications')).toEqual({});
    });
  });

  describe('admin token', () => {
    it('is a generated 40-character alphanumeric secret whose name is an output', () => {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: Match.objectEquals({ ExcludePunctuation: true, PasswordLength: 40 }),
      });
      template.hasOutput('*', { Value: stack.resolve(stack.contacts.adminTokenSecretName) });
    });
  });

  describe('console users', () => {
    it('is a user pool people cannot sign up to themselves, with a strong password policy and TOTP as second factor', () => {
      template.hasResourceProperties('AWS::Cognito::UserPool', {
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 14, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true }) },
        MfaConfiguration: 'OPTIONAL',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      });
    });

    it('has one group per role', () => {
      for (const role of ['viewer', 'marketer', 'admin']) {
        template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: role, UserPoolId: ref(stack.api.access.consoleUsers.userPool) });
      }
    });

    it("gives the console a public client: password and SRP sign-in, refresh, 1-hour access and 30-day refresh tokens, no user-existence errors", () => {
      template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        ClientName: 'console',
        GenerateSecret: false,
        ExplicitAuthFlows: Match.arrayEquals(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
        AccessTokenValidity: 60,
        RefreshTokenValidity: 43200,
        TokenValidityUnits: Match.objectLike({ AccessToken: 'minutes', RefreshToken: 'minutes' }),
        PreventUserExistenceErrors: 'ENABLED',
      });
    });

    it('outputs the pool id and the console client id', () => {
      template.hasOutput('UserPoolId', { Value: ref(stack.api.access.consoleUsers.userPool) });
      template.hasOutput('ConsoleClientId', { Value: ref(stack.api.access.consoleUsers.client) });
    });
  });

  describe('http api', () => {
    it('declares exactly one route per entry of the route table', () => {
      // Act
      const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
        (route) => route.Properties.RouteKey,
      );

      // Assess
      expect(routeKeys.sort()).toEqual(routes.map((route) => route.routeKey).sort());
    });

    it.each([...routes])('routes $routeKey to $function with payload format 2.0', (route) => {
      // Prepare
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration', {
        Properties: {
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: arn(functions()[route.function].function),
          PayloadFormatVersion: '2.0',
        },
      });

      // Act & Assess
      expect(Object.keys(integrations)).toHaveLength(1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: route.routeKey,
        Target: { 'Fn::Join': ['', ['integrations/', { Ref: Object.keys(integrations)[0] }]] },
      });
    });

    it('runs the API-key authorizer with simple responses, payload 2.0, cached a minute by the key and the route', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'REQUEST',
        AuthorizerPayloadFormatVersion: '2.0',
        EnableSimpleResponses: true,
        // The route key: a key allowed on one route must not reuse that cached verdict on a route needing another scope.
        IdentitySource: ['$request.header.Authorization', '$context.routeKey'],
        AuthorizerResultTtlInSeconds: 60,
        AuthorizerUri: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([arn(stack.api.access.authorizer.function)])]) }),
      });
    });

    it('lets API Gateway invoke the authorizer', () => {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: arn(stack.api.access.authorizer.function),
        Principal: 'apigateway.amazonaws.com',
      });
    });

    it.each([...routes])('guards $routeKey with the authorizer unless it is public', (route) => {
      const [authorizerId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'));
      const found = Object.values(template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: route.routeKey } }));

      expect(found).toHaveLength(1);
      expect(found[0]!.Properties).toMatchObject(
        route.auth === 'public'
          ? { AuthorizationType: 'NONE' }
          : { AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } },
      );
      if (route.auth === 'public') expect(found[0]!.Properties.AuthorizerId).toBeUndefined();
    });

    it('leaves CORS to the forms handler', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'HTTP',
        CorsConfiguration: Match.absent(),
      });
    });

    it('serves a throttled default stage that writes JSON access logs', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
        AccessLogSettings: {
          DestinationArn: arn(stack.api.accessLogs),
          Format: Match.serializedJson(
            Match.objectLike({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status' }),
          ),
        },
      });
    });

    it('writes access logs without the client IP, user agent or raw path (tokens, contact ids)', () => {
      const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage')) as { Properties: { AccessLogSettings: { Format: string } } }[];
      const fields = Object.values(JSON.parse(stage!.Properties.AccessLogSettings.Format) as Record<string, string>);
      expect(fields.filter((field) => /identity|sourceIp|userAgent|\.path\b|authorizer\.claims/i.test(field))).toEqual([]);
    });

    it('throttles each public route that declares limits, tighter than the stage', () => {
      const throttled = routes.filter((route) => route.throttle);

      expect(throttled.map((route) => route.routeKey)).toEqual(
        expect.arrayContaining(['POST /forms/{formId}', 'GET /forms/{formId}/config', 'GET /embed.js', 'POST /v1/{type}']),
      );
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        RouteSettings: Object.fromEntries(
          throttled.map((route) => [
            route.routeKey,
            { ThrottlingRateLimit: route.throttle!.rateLimit, ThrottlingBurstLimit: route.throttle!.burstLimit },
          ]),
        ),
      });
    });

    it('outputs the API URL', () => {
      template.hasOutput('*', { Value: stack.resolve(stack.api.url) });
    });
  });

  describe('operations', () => {
    const topic = () => ref(stack.operations.topic);
    /** The alarm on `metricName` in `namespace` with these dimensions: its threshold, statistic and action. */
    function expectAlarm(namespace: string, metricName: string, dimensions: unknown[] | undefined, threshold: number, statistic: string, period = 300) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: namespace,
        MetricName: metricName,
        ...(dimensions ? { Dimensions: dimensions } : {}),
        Threshold: threshold,
        Statistic: statistic,
        Period: period,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [topic()],
      });
    }

    it('sends every alarm to one SNS topic, encrypted with a rotated key, SSL only, with the configured e-mail subscribed', () => {
      // The alarm topic, and the SMS inbound topic (tests/sms/sms-infra.test.ts).
      template.resourceCountIs('AWS::SNS::Topic', 2);
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: arn(stack.operations.key) });
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: topic() });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
          ]),
        },
      });
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
      expect(alarms.every((alarm) => JSON.stringify(alarm.Properties.AlarmActions) === JSON.stringify([topic()]))).toBe(true);
    });

    it.each(functionKeys)('alarms on any error or throttle of %s', (key) => {
      const name = [{ Name: 'FunctionName', Value: ref(functions()[key].function) }];
      expectAlarm('AWS/Lambda', 'Errors', name, 1, 'Sum');
      expectAlarm('AWS/Lambda', 'Throttles', name, 1, 'Sum');
    });

    it('alarms on a message in either dead-letter queue: the reactor\'s failed batches and the parked CRM hand-offs', () => {
      for (const queue of [stack.reactor.failedBatches, stack.crm.deadLetters]) {
        expectAlarm('AWS/SQS', 'ApproximateNumberOfMessagesVisible', [{ Name: 'QueueName', Value: arn(queue, 'QueueName') }], 1, 'Maximum');
      }
      // The hand-off queue itself is watched through its dead-letter queue.
      expect(template.findResources('AWS::CloudWatch::Alarm', { Properties: { Dimensions: [{ Name: 'QueueName', Value: arn(stack.crm.handOffs, 'QueueName') }] } })).toEqual({});
    });

    it('alarms when the reactor is five minutes behind the table stream', () => {
      expectAlarm('AWS/Lambda', 'IteratorAge', [{ Name: 'FunctionName', Value: ref(stack.reactor.reactor.function) }], 300_000, 'Maximum');
    });

    it('alarms on a failed or timed-out execution of every journey and of the broadcasts', () => {
      const machines = [...stack.journeys.stateMachines.values(), stack.broadcasts.stateMachine];
      expect(machines.length).toBe(journeyFiles.size + 1);
      for (const machine of machines) {
        const name = [{ Name: 'StateMachineArn', Value: ref(machine) }];
        expectAlarm('AWS/States', 'ExecutionsFailed', name, 1, 'Sum');
        expectAlarm('AWS/States', 'ExecutionsTimedOut', name, 1, 'Sum');
      }
    });

    it('alarms on any 5xx answer of the HTTP API', () => {
      expectAlarm('AWS/ApiGateway', '5xx', [{ Name: 'ApiId', Value: ref(stack.api.httpApi) }], 1, 'Sum');
    });

    it('alarms below SES\'s review thresholds: bounce rate 4%, complaint rate 0.08%', () => {
      expectAlarm('AWS/SES', 'Reputation.BounceRate', undefined, 0.04, 'Maximum', 3600);
      expectAlarm('AWS/SES', 'Reputation.ComplaintRate', undefined, 0.0008, 'Maximum', 3600);
    });

    it('alarms on a CRM hand-off failure the functions count, in the stack\'s own metrics namespace', () => {
      expectAlarm('Nurture', 'HandOffsFailed', [{ Name: 'service', Value: 'crm' }], 1, 'Sum');
    });

    it('has exactly these alarms and nothing else', () => {
      const machines = stack.journeys.stateMachines.size + 1;
      const expected = 2 * functionKeys.length + 2 /* dead-letter queues */ + 1 /* stream */ + 2 * machines + 1 /* 5xx */ + 2 /* SES */ + 1 /* CRM */;
      template.resourceCountIs('AWS::CloudWatch::Alarm', expected);
      expect(stack.operations.alarms.size).toBe(expected);
    });

    it('draws the alarms and the business numbers on one dashboard', () => {
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
      const body = JSON.stringify(stack.resolve(dashboard!.Properties.DashboardBody));
      for (const metric of ['LeadsAccepted', 'EmailsSent', 'HandOffsDelivered', 'HandOffsFailed', 'Reputation.BounceRate', 'IteratorAge', 'ApproximateNumberOfMessagesVisible', 'ExecutionsFailed', '5xx']) {
        expect(body, metric).toContain(metric);
      }
    });

    it('keeps every log group for the configured retention', () => {
      const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
      expect(groups.length).toBeGreaterThan(functionKeys.length);
      expect(groups.map((group) => group.Properties.RetentionInDays)).toEqual(groups.map(() => 90));
    });

    it('logs every state machine\'s events at level ALL without execution data, and traces it', () => {
      const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
      expect(machines).toHaveLength(journeyFiles.size + 1);
      for (const machine of machines) {
        expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
        expect(machine.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
      }
    });

    it('turns on point-in-time recovery and deletion protection as the environment says', () => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
      });
    });

    it('throttles the stage at the environment\'s rate and burst', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 } });
    });
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged error or warning', () => {
    const { errors, warnings } = nagFindings(stack);

    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
  });
});
