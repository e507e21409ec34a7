import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { App, Aspects, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { NurtureFunction } from '../../lib/shared/nurture-function';
import { EnvironmentConfig } from '../../lib/config/environment-config';

/** Synthesizing bundles handlers with esbuild: generous, but bounded. */
export const SYNTH_TIMEOUT_MS = 120_000;

/**
 * Context that makes a synth skip asset bundling (the CDK's own switch, as `cdk synth --exclusively` uses it). For
 * tests of one construct's template (IAM, environment, triggers): every handler's real bundle is built once, by
 * the whole stack's synth in tests/infra/stack.test.ts.
 */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] } as const;

/**
 * Makes this process's synths run the repository's esbuild binary directly. The CDK runs an esbuild it finds in
 * node_modules through `npx --no-install esbuild`, one npm start per function, which takes longer than the bundling
 * itself; the same binary with the same arguments builds the same bundles. Only tests call this: `cdk synth` and
 * deploys are unchanged. It sets the installation aws-cdk-lib's NodejsFunction bundling caches (an internal): should
 * a CDK release move it, synths go back to npx, slower but the same.
 */
export function bundleWithLocalEsbuild(): void {
  const root = resolve(import.meta.dirname, '../..');
  const require = createRequire(join(root, 'package.json'));
  const internal = join(dirname(require.resolve('aws-cdk-lib/package.json')), 'aws-lambda-nodejs/lib/bundling.js');
  if (!existsSync(internal)) return;
  const { Bundling } = require(internal) as { Bundling?: { esbuildInstallation?: unknown } };
  if (!Bundling) return;
  Bundling.esbuildInstallation = { isWorkspacePackage: false, version: (require('esbuild/package.json') as { version: string }).version };
  process.env.PATH = [join(root, 'node_modules/.bin'), process.env.PATH].join(delimiter);
}

/**
 * An app whose synth is checked by cdk-nag's AwsSolutions pack, as `bin/nurture.ts` checks every deploy. The
 * checks only add annotations, so one synth serves both the template assertions and the nag findings.
 */
export function nagCheckedApp(context: Record<string, unknown> = {}): App {
  const app = new App({ context });
  Aspects.of(app).add(new AwsSolutionsChecks());
  return app;
}

/** How a template refers to a stack's constructs: logical id, `{ Ref }` and `{ Fn::GetAtt }`. */
export function referencesIn(stack: () => Stack) {
  const logicalId = (construct: IConstruct) => stack().getLogicalId(construct.node.defaultChild as CfnElement);
  return {
    logicalId,
    ref: (construct: IConstruct) => ({ Ref: logicalId(construct) }),
    arn: (construct: IConstruct, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalId(construct), attribute] }),
  };
}

/** What every function's role starts with: writing to its own log group and sending traces. */
export function baselineStatements(fn: NurtureFunction, arn: ReturnType<typeof referencesIn>['arn']) {
  return [
    { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arn(fn.logGroup) },
    { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
  ];
}

/** Every statement of the IAM policies attached to one function's role. */
export function statementsOf(template: Template, fn: NurtureFunction, logicalId: (construct: IConstruct) => string) {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(fn.role) }] } });
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement as unknown[]);
}

/** cdk-nag's AwsSolutions errors and warnings on a stack, as `id: finding` lines. */
export function nagFindings(stack: Stack): { errors: string[]; warnings: string[] } {
  const annotations = Annotations.fromStack(stack);
  const lines = (findings: ReturnType<typeof annotations.findError>) =>
    findings.map((finding) => `${finding.id}: ${String(finding.entry.data)}`);
  return {
    errors: lines(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))),
    warnings: lines(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))),
  };
}

/**
 * An environment's settings for stacks built in tests (the shape of nurture.config.yaml's environments), prod-like
 * unless `overrides` say otherwise.
 */
export function testConfig(overrides: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return EnvironmentConfig.parse({
    stackName: 'Nurture',
    sender: { identity: 'example.com' },
    forms: { allowedOrigins: ['https://www.example.com'] },
    alarms: { email: 'ops@example.com' },
    retention: { rawEventsDays: 30, idempotencyDays: 1, logDays: 90 },
    crm: { provider: 'none' },
    rates: { sesMaxSendRate: 14 },
    api: { throttle: { rateLimit: 50, burstLimit: 100 } },
    data: { pointInTimeRecovery: true, deletionProtection: true },
    ...overrides,
  });
}
