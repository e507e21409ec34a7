import { createRequire } from 'node:module';
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { FunctionDefinition, TableAction } from './function-definition';

/**
 * SDK clients that functions bundling the SDK still load from the runtime: they are imported lazily, on a first
 * secret read, so bundling them would only add size (the Node.js 22 runtime ships them).
 */
export const LAZY_SDK_CLIENTS = ['@aws-sdk/client-secrets-manager'] as const;

/**
 * Module replacements in functions that bundle the SDK: credentials come from the environment in Lambda, so the
 * default provider chain is swapped for the environment provider (functions/shared/lambda-credentials.ts).
 */
export const BUNDLED_SDK_ALIASES = {
  '@aws-sdk/credential-provider-node': './functions/shared/lambda-credentials.ts',
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
  /** The forms secret: `{ signingKey, turnstileSecret?, recaptchaSecret? }`. */
  readonly formSecrets?: ISecret;
  /** The tracking API's write key. */
  readonly writeKey?: ISecret;
  /** ARN prefix of the journey state machines (`…:stateMachine:<stack>-journey-`). */
  readonly journeyStateMachineArnPrefix?: string;
  /** ARN prefix of the journey executions (`…:execution:<stack>-journey-`), for stopping them. */
  readonly journeyExecutionArnPrefix?: string;
  /** Signs journey webhooks and verifies signed enrolment requests. */
  readonly journeySigningSecret?: ISecret;
  /** The CRM settings secret (JSON: provider, credentials, webhook secrets). */
  readonly crmSecret?: ISecret;
  /** The queue the reactor puts CRM hand-offs on. */
  readonly handOffQueue?: IQueue;
}

export interface NurtureFunctionProps {
  /** The function's entry in the registry (`lib/functions.ts`): entry, description, limits and bindings. */
  readonly definition: FunctionDefinition;
  /** What the definition's bindings are bound to. */
  readonly resources: BindableResources;
  /**
   * Environment variables besides the ones the bindings set.
   *
   * @default - only `NODE_OPTIONS`
   */
  readonly environment?: Readonly<Record<string, string>>;
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
        ...props.environment,
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
        externalModules: props.definition.bundleAwsSdk ? [...LAZY_SDK_CLIENTS] : ['@aws-sdk/*'],
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

    this.bind(props.definition, props.resources);
  }

  /** Applies every binding the definition declares, each with its resource; a missing resource fails the synth. */
  private bind(definition: FunctionDefinition, resources: BindableResources): void {
    const need = <T>(resource: T | undefined, binding: string): T => {
      if (resource === undefined) throw new Error(`${this.node.path}: binding "${binding}" needs its resource`);
      return resource;
    };
    const { table, adminToken, journeyExecutions, formSecrets, writeKey } = definition.bindings;
    if (table) this.bindTable(need(resources.table, 'table'), table.actions, table.indexes ?? []);
    if (adminToken) this.bindSecret(need(resources.adminToken, 'adminToken'), 'ADMIN_TOKEN_SECRET_ARN');
    if (journeyExecutions) {
      this.bindJourneyExecutions(
        need(resources.journeyStateMachineArnPrefix, 'journeyExecutions'),
        need(resources.journeyExecutionArnPrefix, 'journeyExecutions'),
        journeyExecutions,
      );
    }
    if (definition.bindings.journeySigningSecret) {
      this.bindSecret(need(resources.journeySigningSecret, 'journeySigningSecret'), 'JOURNEY_SIGNING_SECRET_ARN');
    }
    if (definition.bindings.sendEmail) this.bindEmailSending(need(resources.emailSending, 'sendEmail'));
    if (definition.bindings.emailSigningKeys) {
      this.bindSecret(need(resources.emailSigningKeys, 'emailSigningKeys'), 'EMAIL_SIGNING_KEYS_SECRET_ARN');
    }
    if (definition.bindings.crmSecret) this.bindSecret(need(resources.crmSecret, 'crmSecret'), 'CRM_SECRET_ARN');
    if (definition.bindings.handOffQueue) this.bindQueueSend(need(resources.handOffQueue, 'handOffQueue'), 'HANDOFF_QUEUE_URL');
    if (formSecrets) this.bindSecret(need(resources.formSecrets, 'formSecrets'), 'FORM_SECRETS_ARN');
    if (writeKey) this.bindSecret(need(resources.writeKey, 'writeKey'), 'WRITE_KEY_SECRET_ARN');
  }

  /**
   * Lets the function call exactly `actions` on the table and `indexActions` on its indexes, and tells it the
   * table's name in `TABLE_NAME`.
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
    this.function.addEnvironment('TABLE_NAME', table.tableName);
  }

  /**
   * Lets the function read the secret's value (nothing else: no DescribeSecret, no KMS grant, since the secret
   * uses the AWS-managed key) and passes its ARN in `envVar`.
   */
  private bindSecret(secret: ISecret, envVar: string): void {
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
    this.function.addEnvironment(envVar, secret.secretArn);
  }

  /** Lets the function send messages to the queue (nothing else) and passes its URL in `envVar`. */
  private bindQueueSend(queue: IQueue, envVar: string): void {
    this.function.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    this.function.addEnvironment(envVar, queue.queueUrl);
  }

  /**
   * Lets the function send email as the identity in the configuration set (SES v2 authorizes SendEmail on
   * both), and names the set in `SES_CONFIGURATION_SET`.
   */
  private bindEmailSending(sending: NonNullable<BindableResources['emailSending']>): void {
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [sending.identityArn, sending.configurationSetArn],
      }),
    );
    this.function.addEnvironment('SES_CONFIGURATION_SET', sending.configurationSetName);
  }

  /**
   * Lets the function start journey executions (on the state machines), resume their waits (SendTaskSuccess is
   * authorized on the state machine) and stop them (on the executions), as asked; passes the ARN prefix.
   */
  private bindJourneyExecutions(arnPrefix: string, executionArnPrefix: string, actions: readonly ('start' | 'stop' | 'resume')[]): void {
    const onMachines = [
      ...(actions.includes('start') ? ['states:StartExecution'] : []),
      ...(actions.includes('resume') ? ['states:SendTaskSuccess'] : []),
    ];
    if (onMachines.length) this.function.addToRolePolicy(new PolicyStatement({ actions: onMachines, resources: [`${arnPrefix}*`] }));
    if (actions.includes('stop')) {
      this.function.addToRolePolicy(new PolicyStatement({ actions: ['states:StopExecution'], resources: [`${executionArnPrefix}*`] }));
    }
    this.function.addEnvironment('JOURNEY_STATE_MACHINE_ARN_PREFIX', arnPrefix);
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
