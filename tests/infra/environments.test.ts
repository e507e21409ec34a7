import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parse, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFile, configJsonSchema, configSchemaFile, InvalidConfig, loadEnvironmentConfig } from '../../lib/config/environment-config';
import { senderIdentity } from '../../lib/email/email.construct';
import { NurtureStack } from '../../lib/nurture-stack';
import { SKIP_BUNDLING, SYNTH_TIMEOUT_MS, testConfig } from '../support/cdk';

const run = promisify(execFile);
const repoRoot = join(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'nurture-config-'));

/** A copy of the repository's config file with `edit` applied to its parsed content, written to a scratch file. */
function configWith(edit: (config: { environments: Record<string, Record<string, unknown>> }) => void): string {
  const config = parse(readFileSync(configFile, 'utf8')) as { environments: Record<string, Record<string, unknown>> };
  edit(config);
  const file = join(scratch, `nurture.config.${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

/** The whole stack without bundling the handlers (their bundles are the stack test's business). */
function synth(config = loadEnvironmentConfig('dev')): Template {
  const app = new App({ context: SKIP_BUNDLING });
  return Template.fromStack(new NurtureStack(app, config.stackName, { config }));
}

describe('nurture.config.yaml', () => {
  it('holds a valid dev and prod environment', () => {
    const dev = loadEnvironmentConfig('dev');
    const prod = loadEnvironmentConfig('prod');

    expect(dev.stackName).not.toBe(prod.stackName);
    expect(prod.data).toEqual({ pointInTimeRecovery: true, deletionProtection: true });
  });

  it('refuses an invalid value, naming the field and the environment', () => {
    const file = configWith((config) => {
      (config.environments.prod!.alarms as Record<string, unknown>).email = 'not an address';
      (config.environments.prod!.rates as Record<string, unknown>).sesMaxSendRate = 0;
    });

    expect(() => loadEnvironmentConfig('prod', file)).toThrow(InvalidConfig);
    expect(() => loadEnvironmentConfig('prod', file)).toThrow(/environments\.prod\.alarms\.email/);
    expect(() => loadEnvironmentConfig('prod', file)).toThrow(/environments\.prod\.rates\.sesMaxSendRate/);
  });

  it('refuses a misspelt setting rather than ignoring it', () => {
    const file = configWith((config) => {
      (config.environments.dev!.data as Record<string, unknown>).pointInTimeRecover = true;
    });

    expect(() => loadEnvironmentConfig('dev', file)).toThrow(/pointInTimeRecover.*\n?.*environments\.dev\.data|environments\.dev\.data[\s\S]*pointInTimeRecover/);
  });

  it('refuses a log retention CloudWatch does not offer, listing those it does', () => {
    const file = configWith((config) => {
      (config.environments.dev!.retention as Record<string, unknown>).logDays = 10;
    });

    expect(() => loadEnvironmentConfig('dev', file)).toThrow(/environments\.dev\.retention\.logDays/);
    expect(() => loadEnvironmentConfig('dev', file)).toThrow(/1, 3, 5, 7, 14, 30/);
  });

  it('names the environments there are when asked for another', () => {
    expect(() => loadEnvironmentConfig('staging')).toThrow(/no environment "staging" \(environments: dev, prod\)/);
  });

  it('has a current JSON Schema for editors', () => {
    expect(readFileSync(configSchemaFile, 'utf8')).toBe(configJsonSchema());
  });

  it('fails `cdk synth` on an invalid file before building anything, naming the field', async () => {
    const file = configWith((config) => {
      (config.environments.prod!.forms as Record<string, unknown>).allowedOrigins = ['https://www.example.com/landing'];
    });

    const failure = await run('npx', ['tsx', 'bin/nurture.ts'], {
      cwd: repoRoot,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ env: 'prod', config: file }), CDK_OUTDIR: join(scratch, 'cdk.out') },
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );

    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr).toContain('environments.prod.forms.allowedOrigins[0]');
    expect(failure?.stderr).toContain('an origin: scheme, host and port only');
  }, SYNTH_TIMEOUT_MS);
});

describe('sender identity', () => {
  it('covers the sender address by its domain, a parent domain or the address itself', () => {
    expect(senderIdentity('hello@example.com')).toBe('example.com');
    expect(senderIdentity('hello@news.example.com', 'example.com')).toBe('example.com');
    expect(senderIdentity('hello@example.com', 'Hello@Example.com')).toBe('hello@example.com');
  });

  it('fails the synth when it does not cover the sender address of content/email.yaml', () => {
    expect(() => senderIdentity('hello@example.com', 'example.org')).toThrow(/sender\.identity "example\.org".*hello@example\.com/);
    expect(() => senderIdentity('hello@example.com', 'mail.example.com')).toThrow(/sender\.identity/);
  });
});

describe('the dev environment', () => {
  let template: Template;

  beforeAll(() => {
    template = synth();
  }, SYNTH_TIMEOUT_MS);

  it('synthesizes the same template twice: offline, no lookups, nothing random', () => {
    expect(synth().toJSON()).toEqual(template.toJSON());
  }, SYNTH_TIMEOUT_MS);

  it('has neither point-in-time recovery nor deletion protection', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false }, DeletionProtectionEnabled: false })],
    });
  });

  it('takes its stage throttling, log retention, send rate and alarm address from the file', () => {
    const dev = loadEnvironmentConfig('dev');
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: dev.api.throttle.rateLimit, ThrottlingBurstLimit: dev.api.throttle.burstLimit },
    });
    const retentions = Object.values(template.findResources('AWS::Logs::LogGroup')).map((group) => group.Properties.RetentionInDays);
    expect(new Set(retentions)).toEqual(new Set([dev.retention.logDays]));
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ BROADCAST_DEFAULT_RATE: String(dev.rates.sesMaxSendRate) }) },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: dev.alarms.email });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_METRICS_NAMESPACE: dev.stackName,
          IDEMPOTENCY_RETENTION_DAYS: String(dev.retention.idempotencyDays),
          RAW_EVENT_RETENTION_DAYS: String(dev.retention.rawEventsDays),
        }),
      },
    });
  });
});

describe('a custom domain', () => {
  it('maps the API under it and writes it into email links', () => {
    const certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

    const template = synth(testConfig({ domain: { name: 'go.example.com', certificateArn } }));

    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'go.example.com',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: certificateArn })],
    });
    template.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PUBLIC_BASE_URL: 'https://go.example.com/' }) },
    });
  }, SYNTH_TIMEOUT_MS);
});

describe('operations', () => {
  it('fails the synth for a queue added after the alarms were built, rather than leaving it unwatched', () => {
    // Prepare
    const config = testConfig();
    const stack = new NurtureStack(new App({ context: SKIP_BUNDLING }), config.stackName, { config });

    // Act
    new Queue(stack, 'LateQueue');

    // Assess
    expect(() => Template.fromStack(stack)).toThrow(/Nurture\/LateQueue has no alarm: build it before Nurture\/Operations, or give it a dead-letter queue/);
  }, SYNTH_TIMEOUT_MS);
});
