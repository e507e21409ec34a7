import { join } from 'node:path';
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildConfigSchema, loadEnvironmentConfig } from '../lib/config/environment-config';
import { buildBindingKinds } from '../lib/function-environment-file';
import { buildConsole } from '../local/console';
import { buildJourneys } from '../lib/journeys/journey-files';
import { buildSegments } from '../lib/segments/segment-files';
import { NurtureStack } from '../lib/nurture-stack';

const app = new App();

// The environment's settings first, validated: `-c env=prod` (dev by default), from nurture.config.yaml (or the file
// `-c config=<path>` names). A wrong value stops the synth here, naming its field, before anything is built.
const environment = String(app.node.tryGetContext('env') ?? 'dev');
const configPath: unknown = app.node.tryGetContext('config');
const config = loadEnvironmentConfig(environment, typeof configPath === 'string' ? configPath : undefined);
buildConfigSchema();

// Environment-agnostic unless the CLI knows the target account; the stack makes no context lookups, so
// `cdk synth` needs neither credentials nor network.
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
// Journey files are validated and regenerated first, so an edited journey is what this synth deploys (and what
// the bundled functions read).
const journeys = buildJourneys();
buildSegments();
// The binding kinds handlers parse their environment by, generated from the registry this synth deploys.
buildBindingKinds();
// The console app the stack uploads (console/dist), rebuilt when its sources changed since the last build.
await buildConsole(join(import.meta.dirname, '..'));

new NurtureStack(app, config.stackName, {
  description: `Nurture (${environment}): customer-lifecycle automation`,
  config,
  journeys,
  env: account && region ? { account, region } : undefined,
});

// Every synth is checked: an unacknowledged error fails `cdk synth` and `cdk deploy`, and tests/infra also
// fails on unacknowledged warnings.
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
