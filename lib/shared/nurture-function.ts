import { createRequire } from 'node:module';
import path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SnsEventSource, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { bindingVariables, type BindingKind } from './bindings';
import type { FunctionDefinition, TableAction, Trigger } from './function-definition';

/**
 * SDK modules that functions bundling the SDK still load from the runtime (the Node.js 22 runtime ships them): they
 * are imported lazily, so bundling them would only add size. The Secrets Manager client is imported on a first secret
 * read; the SDK imports its event-stream support only for event-stream operations, which DynamoDB has none of.
 */
export const LAZY_SDK_MODULES = ['@aws-sdk/client-secrets-manager', '@smithy/core/event-streams'] as const;

/**
 * Module replacements in functions that bundle the SDK, each for what only a runtime other than Lambda needs:
 * credentials come from the environment in Lambda, so the default provider chain is swapped for the environment
 * provider (functions/shared/lambda-credentials.ts); SHA-256 comes from `node:crypto` without the pure-JavaScript
 * fallback (functions/shared/lambda-sha256.ts); the DynamoDB client's endpoint-discovery cache is a Map-based LRU
 * (functions/shared/endpoint-cache-lru.ts). A replaced module that stops exporting what the SDK imports fails the
 * build; tests/shared/sdk-stand-ins.test.ts checks each behaves as the module it replaces.
 */
export const BUNDLED_SDK_ALIASES = {
  '@aws-sdk/credential-provider-node': './functions/shared/lambda-credentials.ts',
  '@smithy/core/checksum': './functions/shared/lambda-sha256.ts',
  'mnemonist/lru-cache': './functions/shared/endpoint-cache-lru.ts',
} as const;

/** The repository root: registry entry paths and the lock file are relative to it. */
const repoRoot = path.join(import.meta.dirname, '../..');

/**
 * NodejsFunction silently falls back to bundling in Docker when it cannot find esbuild; Nurture never bundles in
 * Docker, so a missing esbuild is reported as what it is.
 */
function assertLocalEsbuild(): void {
  try {
    createRequire(path.join(repoRoot, 'package.json')).resolve('esbuild');
  } catch {
    throw new Error('esbuild is not installed in the repository (run `npm ci`); functions are bundled locally only');
  }
}

/** The resources a function's declared bindings refer to; each declared binding needs its resource here. */
export interface BindableResources {
  readonly table?: ITable;
  readonly adminToken?: ISecret;
  /** SES sending: the identity the sender address belongs to, and the configuration set every email uses. */
  readonly emailSending?: {
    readonly identityArn: string;
    readonly configurationSetArn: string;
    readonly configurationSetName: string;
  };
  /** The email link-signing keys (`current,previous`). */
  readonly emailSigningKeys?: ISecret;
  /** The SNS topic two-way SMS publishes inbound texts to (the `sns` trigger `smsInbound`). */
  readonly smsInbound?: ITopic;
  /** End User Messaging SMS: the settings of nurture.config.yaml `sms` and the resources the stack made for them. */
  readonly smsSending?: {
    readonly enabled: boolean;
    /** The origination identity's ARN; absent while SMS is off (then nothing may be sent). */
    readonly originationIdentityArn?: string;
    readonly configurationSetName: string;
    readonly configurationSetArn: string;
    readonly optOutListName: string;
    readonly optOutListArn: string;
    readonly messageType: 'TRANSACTIONAL' | 'PROMOTIONAL';
    readonly quietHours: string;
    readonly helpText: string;
  };
  /** The forms secret: `{ signingKey, turnstileSecret?, recaptchaSecret? }`. */
  readonly formSecrets?: ISecret;
  /** The tracking API's write key. */
  readonly writeKey?: ISecret;
  /** The HMAC key of the suppression list of erased people's addresses. */
  readonly suppressionKey?: ISecret;
  /** The bucket files are dropped in for import, and their reports written to. */
  readonly importBucket?: IBucket;
  /** ARN prefix of the journey state machines (`…:stateMachine:<stack>-journey-`). */
  readonly journeyStateMachineArnPrefix?: string;
  /** ARN prefix of the journey executions (`…:execution:<stack>-journey-`), for stopping them. */
  readonly journeyExecutionArnPrefix?: string;
  /** Signs journey webhooks and verifies signed enrolment requests. */
  readonly journeySigningSecret?: ISecret;
  /** The CRM settings secret (JSON: provider, credentials, webhook secrets). */
  readonly crmSecret?: ISecret;
  /** The queue the reactor puts CRM hand-offs on (and its worker consumes). */
  readonly handOffQueue?: IQueue;
  /** The broadcast state machine, and the send rate broadcasts default to (messages per second). */
  readonly broadcasts?: {
    readonly stateMachineArn: string;
    /** `…:execution:<state machine name>:`, which every broadcast execution's ARN starts with. */
    readonly executionArnPrefix: string;
    readonly defaultRate: number;
  };
  /**
   * The HTTP API's public base URL. It exists only once the API is built from the functions it routes to, so it may
   * come later, through {@link NurtureFunction.bindLate}; a synth with it still missing fails.
   */
  readonly publicBaseUrl?: string;
  /** The CloudWatch namespace of EMF business metrics (the stack's name). */
  readonly metricsNamespace?: string;
  /** TTL retention periods of this environment, in days. */
  readonly retention?: { readonly idempotencyDays: number; readonly rawEventsDays: number };
  /** Origins every form accepts posts from in this environment. */
  readonly formOrigins?: readonly string[];
  /** The console users' pool: its token issuer, signing keys' URL and the console's app client id. */
  readonly consoleSignIn?: { readonly issuer: string; readonly jwksUri: string; readonly clientId: string };
}

/** Resources every function of a stack may bind, whichever capability's construct builds it. */
type StackWideResources = Pick<BindableResources, 'metricsNamespace' | 'retention' | 'formOrigins'>;
const stackWide = new WeakMap<Stack, StackWideResources>();

/**
 * Hands every NurtureFunction built in `stack` afterwards the environment's settings (metrics namespace, retention,
 * form origins), so a capability's construct binds them without each construct taking them as props.
 */
export function provideStackWideResources(stack: Stack, resources: StackWideResources): void {
  stackWide.set(stack, resources);
}

export interface NurtureFunctionProps {
  /** The function's entry in the registry (`lib/functions.ts`): entry, description, limits and bindings. */
  readonly definition: FunctionDefinition;
  /** What the definition's bindings are bound to. */
  readonly resources: BindableResources;
  /**
   * Narrows an EventBridge trigger's pattern (from the registry) with what only the deploying stack knows, e.g. its
   * SES configuration set or its state machines' ARN prefix. Merged into the pattern's `detail`.
   *
   * @default - the registry's pattern as is
   */
  readonly eventDetail?: Readonly<Record<string, unknown>>;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * A Lambda function the way every Nurture handler is deployed: Node.js 22 on arm64, bundled locally by esbuild
 * as minified ESM with source maps, X-Ray tracing, its own log group with a retention, and its own role that
 * starts with nothing but writing to that log group and sending traces. Access to data is added with the `bind*`
 * helpers, which grant exact actions and set the matching environment variable in one call, so a permission and
 * the variable that tells the code where to use it cannot drift apart.
 */
export class NurtureFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: Role;
  public readonly logGroup: LogGroup;
  /** The EventBridge rule of an `eventbridge` trigger. */
  public rule: Rule | undefined;

  constructor(scope: Construct, id: string, props: NurtureFunctionProps) {
    super(scope, id);
    assertLocalEsbuild();

    // An explicit log group gives the retention without the LogRetention custom resource, and lets the role
    // write to this group only instead of carrying AWSLambdaBasicExecutionRole (log writes to every group).
    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    this.role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(repoRoot, props.definition.entry),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: path.join(repoRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.definition.memoryMb ?? 256,
      timeout: Duration.seconds(props.definition.timeoutSeconds ?? 10),
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      description: props.definition.description,
      environment: {
        // Stack traces point at the TypeScript sources instead of the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        // Prefer the ESM build of dependencies that ship both.
        mainFields: ['module', 'main'],
        // CommonJS dependencies bundled into an ES module still call `require`; give them one.
        banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        // Maps still point at file and line; embedding every source would triple the asset.
        sourcesContent: false,
        // The Node.js 22 runtime ships AWS SDK v3. Loading it from the runtime's disk is slower than a minified,
        // tree-shaken copy in the bundle, so hot functions opt into bundling it (docs/benchmarks.md measures both).
        externalModules: props.definition.bundleAwsSdk ? [...LAZY_SDK_MODULES] : ['@aws-sdk/*'],
        ...(props.definition.bundleAwsSdk
          ? { esbuildArgs: Object.fromEntries(Object.entries(BUNDLED_SDK_ALIASES).map(([from, to]) => [`--alias:${from}`, to])) }
          : {}),
        ...(props.definition.bundleFiles?.length
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) =>
                  (props.definition.bundleFiles ?? []).map(
                    (file) => `cp "${path.join(inputDir, file.from)}" "${path.join(outputDir, file.to)}"`,
                  ),
              },
            }
          : {}),
      },
    });

    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) does not support resource-level ' +
            'permissions, so these two actions need Resource "*". Every other statement names its resource; ' +
            'tests/infra asserts each role\'s exact statements.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
    NagSuppressions.addResourceSuppressions(this.function, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'Pinned to nodejs22.x on purpose: it is the runtime the bundle targets (esbuild target node22). ' +
          'Moving to a newer runtime should be a reviewed change with its own test run, not a side effect of a ' +
          'CDK or cdk-nag upgrade that lists a newer runtime.',
      },
    ]);

    this.bind(props.definition, { ...stackWide.get(Stack.of(this)), ...props.resources });
    this.node.addValidation({
      validate: () => [...this.pending].map((kind) => `${this.node.path}: binding "${kind}" was never given its resource`),
    });
    this.wireTrigger(props.definition.trigger, props.resources, props.eventDetail);
  }

  /** Bindings the definition declares whose resource comes after construction (see {@link bindLate}). */
  private readonly pending = new Set<'publicBaseUrl'>();

  /** Binds what could not exist when the function was built: the API's public base URL. */
  bindLate(resources: Pick<BindableResources, 'publicBaseUrl'>): void {
    if (resources.publicBaseUrl !== undefined && this.pending.delete('publicBaseUrl')) {
      this.setVariables('publicBaseUrl', resources.publicBaseUrl);
    }
  }

  /**
   * Sets a binding's variables, named in `bindings.ts` (the deployed ones), to `values` in their declared order:
   * the only way a variable reaches a function's environment.
   */
  private setVariables(kind: BindingKind, ...values: string[]): void {
    const names = Object.keys(bindingVariables[kind].deployed);
    if (names.length !== values.length) throw new Error(`binding "${kind}" declares ${names.length} variables, got ${values.length} values`);
    names.forEach((name, i) => this.function.addEnvironment(name, values[i]!));
  }

  /**
   * What invokes the function, from its registry entry: queue event sources, EventBridge rules and schedules are
   * wired here, the same way for every function. HTTP routes belong to the API, the stream to the reactor's
   * construct (its failure destination), Task states to the journeys' state machines.
   */
  private wireTrigger(trigger: Trigger, resources: BindableResources, eventDetail?: Readonly<Record<string, unknown>>): void {
    switch (trigger.kind) {
      case 'queue': {
        const queue = resources[trigger.queue];
        if (!queue) throw new Error(`${this.node.path}: the queue trigger needs its queue (${trigger.queue})`);
        this.function.addEventSource(
          new SqsEventSource(queue, { batchSize: trigger.batchSize, maxConcurrency: trigger.maxConcurrency, reportBatchItemFailures: true }),
        );
        // The consumer changes a failed message's visibility (its backoff): the event source grants that action.
        this.setVariables(trigger.queue, queue.queueUrl);
        return;
      }
      case 'eventbridge': {
        const { source, 'detail-type': detailType, detail, ...rest } = trigger.pattern as Record<string, unknown>;
        if (Object.keys(rest).length > 0) throw new Error(`${this.node.path}: unsupported event pattern fields ${Object.keys(rest).join(', ')}`);
        this.rule = new Rule(this, 'Rule', {
          description: trigger.description,
          eventPattern: {
            ...(source ? { source: source as string[] } : {}),
            ...(detailType ? { detailType: detailType as string[] } : {}),
            ...(detail || eventDetail ? { detail: { ...(detail as object), ...eventDetail } } : {}),
          },
          targets: [new LambdaFunction(this.function, { retryAttempts: trigger.retryAttempts, maxEventAge: Duration.hours(trigger.maxEventAgeHours) })],
        });
        return;
      }
      case 'schedule': {
        // Its own role, so the invoke grant (the function ARN and its versions, `:*`) is acknowledged here.
        const role = new Role(this, 'ScheduleRole', { assumedBy: new ServicePrincipal('scheduler.amazonaws.com') });
        new Schedule(this, 'Schedule', {
          description: trigger.description,
          schedule: ScheduleExpression.expression(trigger.expression),
          target: new LambdaInvoke(this.function, { retryAttempts: trigger.retryAttempts, role }),
        });
        NagSuppressions.addResourceSuppressions(
          role,
          [
            {
              id: 'AwsSolutions-IAM5',
              reason:
                'Generated by the Scheduler target: lambda:InvokeFunction on this function and its versions (":*"), ' +
                'which EventBridge Scheduler needs to invoke a qualified function; the role serves this one schedule.',
              appliesTo: [{ regex: '/^Resource::<.*\\.Arn>:\\*$/g' }],
            },
          ],
          true,
        );
        return;
      }
      case 'sns': {
        const topic = resources[trigger.topic];
        if (!topic) throw new Error(`${this.node.path}: the sns trigger needs its topic (${trigger.topic})`);
        this.function.addEventSource(new SnsEventSource(topic));
        return;
      }
      case 'http':
      case 'stream':
      case 'task':
      case 'authorizer':
        return;
    }
  }

  /** Applies every binding the definition declares, each with its resource; a missing resource fails the synth. */
  private bind(definition: FunctionDefinition, resources: BindableResources): void {
    const stackWideHint = ' (a stack-wide resource: NurtureStack hands it over with provideStackWideResources)';
    const need = <T>(resource: T | undefined, binding: string, hint = ''): T => {
      if (resource === undefined) throw new Error(`${this.node.path}: binding "${binding}" needs its resource${hint}`);
      return resource;
    };
    const { table, adminToken, journeyExecutions, journeySigningSecret, sendEmail, sms, emailSigningKeys, crmSecret, handOffQueue, formSecrets, writeKey, publicBaseUrl, suppressionKey, importBucket, broadcastExecutions, metrics, retention, formOrigins, consoleSignIn } =
      definition.bindings;
    if (table) this.bindTable(need(resources.table, 'table'), table.actions, table.indexes ?? []);
    if (adminToken) this.bindSecret(need(resources.adminToken, 'adminToken'), 'adminToken');
    if (journeyExecutions) {
      this.bindJourneyExecutions(
        need(resources.journeyStateMachineArnPrefix, 'journeyExecutions'),
        need(resources.journeyExecutionArnPrefix, 'journeyExecutions'),
        journeyExecutions,
      );
    }
    if (journeySigningSecret) this.bindSecret(need(resources.journeySigningSecret, 'journeySigningSecret'), 'journeySigningSecret');
    if (sendEmail) this.bindEmailSending(need(resources.emailSending, 'sendEmail'));
    if (sms) this.bindSms(need(resources.smsSending, 'sms'), sms);
    if (emailSigningKeys) this.bindSecret(need(resources.emailSigningKeys, 'emailSigningKeys'), 'emailSigningKeys');
    if (crmSecret) this.bindSecret(need(resources.crmSecret, 'crmSecret'), 'crmSecret');
    if (handOffQueue) this.bindQueueSend(need(resources.handOffQueue, 'handOffQueue'), 'handOffQueue');
    if (formSecrets) this.bindSecret(need(resources.formSecrets, 'formSecrets'), 'formSecrets');
    if (writeKey) this.bindSecret(need(resources.writeKey, 'writeKey'), 'writeKey');
    if (suppressionKey) this.bindSecret(need(resources.suppressionKey, 'suppressionKey'), 'suppressionKey');
    if (importBucket) this.bindImportBucket(need(resources.importBucket, 'importBucket'), importBucket);
    if (broadcastExecutions) this.bindBroadcasts(need(resources.broadcasts, 'broadcastExecutions'));
    if (metrics) this.setVariables('metrics', need(resources.metricsNamespace, 'metrics', stackWideHint));
    if (retention) {
      const days = need(resources.retention, 'retention', stackWideHint);
      this.setVariables('retention', String(days.idempotencyDays), String(days.rawEventsDays));
    }
    if (formOrigins) this.setVariables('formOrigins', need(resources.formOrigins, 'formOrigins', stackWideHint).join(','));
    if (consoleSignIn) {
      const pool = need(resources.consoleSignIn, 'consoleSignIn');
      // The public keys are fetched over HTTPS without credentials: no IAM statement.
      this.setVariables('consoleSignIn', pool.issuer, pool.jwksUri, pool.clientId);
    }
    if (publicBaseUrl) {
      this.pending.add('publicBaseUrl');
      this.bindLate(resources);
    }
  }

  /**
   * Lets the function call exactly `actions` on the table and `indexActions` on its indexes, and tells it the
   * table's name.
   */
  private bindTable(table: ITable, actions: readonly TableAction[], indexActions: readonly TableAction[]): void {
    if (actions.length === 0) throw new Error(`${this.node.path}: a table binding needs at least one action`);
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: actions.map((action) => `dynamodb:${action}`), resources: [table.tableArn] }),
    );
    if (indexActions.length > 0) {
      this.function.addToRolePolicy(
        new PolicyStatement({
          actions: indexActions.map((action) => `dynamodb:${action}`),
          resources: [`${table.tableArn}/index/*`],
        }),
      );
      NagSuppressions.addResourceSuppressions(
        this.role,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'The function reads the single table through its global secondary indexes; every index of this ' +
              'table is Nurture\'s own (lib/data/table-definition.ts), and only the listed read actions are granted.',
            appliesTo: [{ regex: '/^Resource::<.*Table.*\\.Arn>\\/index\\/\\*$/g' }],
          },
        ],
        true,
      );
    }
    this.setVariables('table', table.tableName);
  }

  /**
   * Lets the function read the secret's value (nothing else: no DescribeSecret, no KMS grant, since the secret
   * uses the AWS-managed key) and passes its ARN.
   */
  private bindSecret(secret: ISecret, kind: BindingKind): void {
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
    this.setVariables(kind, secret.secretArn);
  }

  /**
   * Lets the function read the objects under one prefix of the bucket and write those under another (no list, no
   * delete; the bucket's S3-managed encryption needs no KMS grant) and passes the bucket's name.
   */
  private bindImportBucket(bucket: IBucket, prefixes: { readonly read: string; readonly write: string }): void {
    this.function.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${prefixes.read}*`)] }));
    this.function.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects(`${prefixes.write}*`)] }));
    this.setVariables('importBucket', bucket.bucketName);
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            `Files are dropped under any name, so reading them needs the "${prefixes.read}" prefix and writing their ` +
            `reports the "${prefixes.write}" prefix of Nurture's own import bucket: one action on each prefix, nothing on the rest.`,
          appliesTo: [{ regex: '/^Resource::<.*ImportBucket.*\\.Arn>\\/[a-z-]+\\/\\*$/g' }],
        },
      ],
      true,
    );
  }

  /** Lets the function send messages to the queue (nothing else) and passes its URL. */
  private bindQueueSend(queue: IQueue, kind: BindingKind): void {
    this.function.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    this.setVariables(kind, queue.queueUrl);
  }

  /**
   * Lets the function send email as the identity in the configuration set (SES v2 authorizes SendEmail on
   * both), and names the set.
   */
  private bindEmailSending(sending: NonNullable<BindableResources['emailSending']>): void {
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [sending.identityArn, sending.configurationSetArn],
      }),
    );
    this.setVariables('sendEmail', sending.configurationSetName);
  }

  /**
   * Lets the function send texts from the origination identity in the configuration set (End User Messaging
   * authorizes SendTextMessage on both) when `send` and SMS is on, and read or update the opt-out list; passes
   * the settings.
   */
  private bindSms(sms: NonNullable<BindableResources['smsSending']>, access: NonNullable<FunctionDefinition['bindings']['sms']>): void {
    if (access.send && sms.enabled && sms.originationIdentityArn) {
      this.function.addToRolePolicy(
        new PolicyStatement({ actions: ['sms-voice:SendTextMessage'], resources: [sms.originationIdentityArn, sms.configurationSetArn] }),
      );
    }
    const listActions = access.optOuts === 'write' ? ['DescribeOptedOutNumbers', 'PutOptedOutNumber', 'DeleteOptedOutNumber'] : ['DescribeOptedOutNumbers'];
    this.function.addToRolePolicy(new PolicyStatement({ actions: listActions.map((action) => `sms-voice:${action}`), resources: [sms.optOutListArn] }));
    this.setVariables(
      'sms',
      String(sms.enabled),
      sms.originationIdentityArn ?? 'none',
      sms.configurationSetName,
      sms.optOutListName,
      sms.messageType,
      sms.quietHours,
      sms.helpText,
    );
  }

  /**
   * Lets the function start executions of the broadcast state machine and stop them (nothing else), and passes its
   * ARN and the default send rate.
   */
  private bindBroadcasts(broadcasts: NonNullable<BindableResources['broadcasts']>): void {
    this.function.addToRolePolicy(new PolicyStatement({ actions: ['states:StartExecution'], resources: [broadcasts.stateMachineArn] }));
    this.function.addToRolePolicy(new PolicyStatement({ actions: ['states:StopExecution'], resources: [`${broadcasts.executionArnPrefix}*`] }));
    this.setVariables('broadcastExecutions', broadcasts.stateMachineArn, String(broadcasts.defaultRate));
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'A broadcast is cancelled by stopping its execution, whose name (the broadcast id) is chosen at run time; ' +
            'the wildcard covers the executions of the one broadcast state machine, for StopExecution only.',
          appliesTo: [{ regex: '/^Resource::.*:execution:.*:\\*$/g' }],
        },
      ],
      true,
    );
  }

  /**
   * Lets the function start journey executions (on the state machines), resume their waits (SendTaskSuccess is
   * authorized on the state machine) and stop them (on the executions), as asked; passes the ARN prefix.
   */
  private bindJourneyExecutions(arnPrefix: string, executionArnPrefix: string, actions: readonly ('start' | 'stop' | 'resume' | 'migrate')[]): void {
    const onMachines = [
      ...(actions.includes('start') ? ['states:StartExecution'] : []),
      ...(actions.includes('resume') ? ['states:SendTaskSuccess'] : []),
      // The machines, their `live` aliases and versions (`<machine>:live`, `<machine>:<n>`) share the prefix.
      ...(actions.includes('migrate') ? ['states:DescribeStateMachine', 'states:DescribeStateMachineAlias', 'states:ListExecutions'] : []),
    ];
    if (onMachines.length) this.function.addToRolePolicy(new PolicyStatement({ actions: onMachines, resources: [`${arnPrefix}*`] }));
    const onExecutions = [
      ...(actions.includes('stop') ? ['states:StopExecution'] : []),
      ...(actions.includes('migrate') ? ['states:DescribeExecution', 'states:DescribeStateMachineForExecution', 'states:GetExecutionHistory'] : []),
    ];
    if (onExecutions.length) {
      this.function.addToRolePolicy(new PolicyStatement({ actions: onExecutions, resources: [`${executionArnPrefix}*`] }));
    }
    this.setVariables('journeyExecutions', arnPrefix);
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Journey state machines are named <stack>-journey-<journeyId> so that the reactor can start, resume and ' +
            'stop any journey a journey file adds without a policy change; the wildcard covers that name prefix ' +
            '(and its executions) only, for exactly the listed actions.',
          appliesTo: [{ regex: '/^Resource::.*:(stateMachine|execution):.*-journey-\\*$/g' }],
        },
      ],
      true,
    );
  }
}
