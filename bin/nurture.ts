import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildBindingKinds } from '../lib/function-environment-file';
import { buildJourneys } from '../lib/journeys/journey-files';
import { buildSegments } from '../lib/segments/segment-files';
import { NurtureStack } from '../lib/nurture-stack';

const app = new App();

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

new NurtureStack(app, 'Nurture', {
  description: 'Nurture: customer-lifecycle automation',
  journeys,
  env: account && region ? { account, region } : undefined,
});

// Every synth is checked: an unacknowledged error fails `cdk synth` and `cdk deploy`, and tests/infra also
// fails on unacknowledged warnings.
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
