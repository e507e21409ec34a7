import { createRequire } from 'node:module';
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { functionEntries, type FunctionKey } from '../api/routes';

/** The repository root: `functionEntries` paths and the lock file are relative to it. */
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

/** DynamoDB data-plane actions a function may be granted on the table, without the `dynamodb:` prefix. */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'ConditionCheckItem';

export interface NurtureFunctionProps {
  /** Which handler module to deploy, by its key in `functionEntries`. */
  readonly functionKey: FunctionKey;
  /**
   * Environment variables besides the ones the `bind*` helpers set.
   *
   * @default - only `NODE_OPTIONS`
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default - none */
  readonly description?: string;
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
      entry: path.join(repoRoot, functionEntries[props.functionKey]),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: path.join(repoRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      description: props.description,
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
        // The Node.js 22 runtime ships AWS SDK v3; bundling it only adds cold-start weight.
        externalModules: ['@aws-sdk/*'],
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
  }

  /**
   * Lets the function call exactly `actions` on the table (not its indexes) and tells it the table's name in
   * `TABLE_NAME`.
   */
  bindTable(table: ITable, actions: readonly TableAction[]): this {
    if (actions.length === 0) {
      throw new Error(`${this.node.path}: bindTable needs at least one action`);
    }
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: actions.map((action) => `dynamodb:${action}`),
        resources: [table.tableArn],
      }),
    );
    this.function.addEnvironment('TABLE_NAME', table.tableName);
    return this;
  }

  /**
   * Lets the function read the secret's value (nothing else: no DescribeSecret, no KMS grant, since the secret
   * uses the AWS-managed key) and passes its ARN in `envVar`.
   */
  bindSecret(secret: ISecret, envVar: string): this {
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
    );
    this.function.addEnvironment(envVar, secret.secretArn);
    return this;
  }
}
