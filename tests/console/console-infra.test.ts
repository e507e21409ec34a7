import { App, Aspects, Fn, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { consolePagePolicy, contentSecurityPolicy } from '../../functions/shared/security-headers';
import { CONSOLE_ROUTING_FUNCTION, ConsoleSite, consoleApiPaths } from '../../lib/console/console.construct';

/** The construct on its own, in front of an HTTP API (the whole stack's cdk-nag run is in tests/infra/stack.test.ts). */
function consoleStack(nag = false) {
  const app = new App();
  const stack = new Stack(app, 'ConsoleTest', { env: { region: 'eu-west-1' } });
  const api = new HttpApi(stack, 'Api');
  const site = new ConsoleSite(stack, 'Console', { api, signIn: { userPoolId: Fn.importValue('PoolId'), clientId: Fn.importValue('ClientId') } });
  if (nag) Aspects.of(app).add(new AwsSolutionsChecks());
  return { stack, api, site };
}

/** The routing function, run as CloudFront runs it. */
const routing = new Function(`${CONSOLE_ROUTING_FUNCTION}; return handler;`)() as (event: { request: { uri: string } }) => {
  uri?: string;
  statusCode?: number;
  headers?: { location: { value: string } };
};

describe('the deployable console', () => {
  let built: ReturnType<typeof consoleStack>;
  let template: Template;
  const logicalId = (construct: { node: { defaultChild?: unknown } }) => built.stack.getLogicalId(construct.node.defaultChild as never);
  const distributionConfig = () => Object.values(template.findResources('AWS::CloudFront::Distribution'))[0]!.Properties.DistributionConfig;

  beforeAll(() => {
    built = consoleStack();
    template = Template.fromStack(built.stack);
  });

  it('keeps the app in a private, encrypted bucket that only this distribution reads, through origin access control', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(built.site.logs) }, LogFilePrefix: 's3/' },
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(built.site.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' }),
        ]),
      },
    });
  });

  it('sends every API path the app calls to the HTTP API, uncached, headers and all', () => {
    const distribution = distributionConfig();
    const apiOrigin = (distribution.Origins as { Id: string; DomainName: unknown; CustomOriginConfig?: { OriginProtocolPolicy: string } }[]).find(
      (origin) => origin.CustomOriginConfig,
    )!;
    expect(apiOrigin.CustomOriginConfig!.OriginProtocolPolicy).toBe('https-only');
    expect(apiOrigin.DomainName).toEqual({ 'Fn::Join': ['', [{ Ref: logicalId(built.api) }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] });
    const behaviours = distribution.CacheBehaviors as Record<string, unknown>[];
    expect(behaviours.map((behaviour) => behaviour.PathPattern)).toEqual([...consoleApiPaths]);
    for (const behaviour of behaviours) {
      expect(behaviour).toMatchObject({
        TargetOriginId: apiOrigin.Id,
        ViewerProtocolPolicy: 'https-only',
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
        // The managed CachingDisabled and AllViewerExceptHostHeader policies.
        CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
        OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
      });
    }
  });

  it('answers index.html for every app path, serves assets and config as they are, and moves / and /dashboard into the app', () => {
    const distribution = distributionConfig();
    expect(distribution.DefaultCacheBehavior.FunctionAssociations.map((f: { EventType: string }) => f.EventType)).toEqual(['viewer-request']);
    expect(distribution.DefaultCacheBehavior.AllowedMethods).toEqual(['GET', 'HEAD']);
    expect(routing({ request: { uri: '/console/contacts/01J0000000000000000000000' } }).uri).toBe('/console/index.html');
    expect(routing({ request: { uri: '/console/' } }).uri).toBe('/console/index.html');
    expect(routing({ request: { uri: '/console/assets/index-abc.js' } }).uri).toBe('/console/assets/index-abc.js');
    expect(routing({ request: { uri: '/console/config.json' } }).uri).toBe('/console/config.json');
    expect(routing({ request: { uri: '/dashboard' } })).toMatchObject({ statusCode: 301, headers: { location: { value: '/console/reports' } } });
    expect(routing({ request: { uri: '/' } })).toMatchObject({ statusCode: 301, headers: { location: { value: '/console/' } } });
  });

  it('uploads the built app and a config.json naming the user pool and client, and invalidates the app on deploy', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: logicalId(built.site.bucket) },
      DestinationBucketKeyPrefix: 'console/',
      DistributionPaths: ['/console/*'],
    });
    const markers = JSON.stringify(Object.values(template.findResources('Custom::CDKBucketDeployment'))[0]!.Properties.SourceMarkers);
    // Deploy-time values: the pool and client ids are filled in by the deployment, not at synth.
    expect(markers).toContain('{"Fn::ImportValue":"PoolId"}');
    expect(markers).toContain('{"Fn::ImportValue":"ClientId"}');
  });

  it('serves the app with the CSP the local runtime sends: own scripts only, calls to the API and to Cognito', () => {
    const policy = contentSecurityPolicy(consolePagePolicy('https://cognito-idp.eu-west-1.amazonaws.com'));
    expect(policy).toMatch(/script-src 'self';/);
    expect(policy).toContain("connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com");
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
        }),
      },
    });
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding of its own', () => {
    const { stack } = consoleStack(true);
    const annotations = Annotations.fromStack(stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ].filter((finding) => !finding.id.startsWith('/ConsoleTest/Api/'));
    expect(findings.map((finding) => `${finding.id}: ${String(finding.entry.data)}`)).toEqual([]);
  });
});
