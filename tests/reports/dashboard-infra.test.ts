import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy, DASHBOARD_PAGE_POLICY } from '../../functions/shared/security-headers';
import { Dashboard, dashboardApiPaths } from '../../lib/reports/dashboard.construct';

/** The construct on its own, in front of an HTTP API (the whole stack's cdk-nag run is in tests/infra/stack.test.ts). */
function dashboardStack(nag = false) {
  const app = new App();
  const stack = new Stack(app, 'DashboardTest', { env: { region: 'eu-west-1' } });
  const api = new HttpApi(stack, 'Api');
  const dashboard = new Dashboard(stack, 'Dashboard', { api });
  if (nag) Aspects.of(app).add(new AwsSolutionsChecks());
  return { stack, api, dashboard };
}

describe('the deployable reports dashboard', () => {
  let built: ReturnType<typeof dashboardStack>;
  let template: Template;
  const logicalId = (construct: { node: { defaultChild?: unknown } }) => built.stack.getLogicalId(construct.node.defaultChild as never);

  beforeAll(() => {
    built = dashboardStack();
    template = Template.fromStack(built.stack);
  });

  it('keeps the page in a private, encrypted bucket that refuses plain HTTP', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(built.dashboard.logs) }, LogFilePrefix: 's3/' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(built.dashboard.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets only this distribution read the bucket, through origin access control', () => {
    const distributionId = logicalId(built.dashboard.distribution);
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(built.dashboard.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Condition: {
              StringEquals: {
                'AWS:SourceArn': {
                  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/', { Ref: distributionId }]],
                },
              },
            },
          }),
        ]),
      },
    });
    template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
  });

  it('serves dashboard.html at the root and sends /reports/* and /programs/* to the HTTP API uncached, headers and all', () => {
    const distribution = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0]!.Properties.DistributionConfig;
    expect(distribution.DefaultRootObject).toBe('dashboard.html');
    expect(distribution.DefaultCacheBehavior).toMatchObject({ ViewerProtocolPolicy: 'redirect-to-https', AllowedMethods: ['GET', 'HEAD'] });

    const apiOrigin = (distribution.Origins as { Id: string; DomainName: unknown; CustomOriginConfig?: { OriginProtocolPolicy: string } }[]).find(
      (origin) => origin.CustomOriginConfig,
    )!;
    expect(apiOrigin.CustomOriginConfig!.OriginProtocolPolicy).toBe('https-only');
    expect(apiOrigin.DomainName).toEqual({ 'Fn::Join': ['', [{ Ref: logicalId(built.api) }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] });

    const behaviours = distribution.CacheBehaviors as Record<string, unknown>[];
    expect(behaviours.map((behaviour) => behaviour.PathPattern)).toEqual(['/dashboard', ...dashboardApiPaths]);
    for (const behaviour of behaviours.filter((b) => b.PathPattern !== '/dashboard')) {
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

  it('deploys the page, its script and chart.js from node_modules, and invalidates them in CloudFront', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: logicalId(built.dashboard.bucket) },
      DistributionId: { Ref: logicalId(built.dashboard.distribution) },
      DistributionPaths: ['/dashboard', '/dashboard.html', '/dashboard/*'],
    });
    const sources = Object.values(template.findResources('Custom::CDKBucketDeployment'))[0]!.Properties.SourceObjectKeys as unknown[];
    expect(sources).toHaveLength(3);
  });

  it('serves the page with the CSP the local runtime sends (no inline script), nosniff, no referrer and no framing', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: contentSecurityPolicy(DASHBOARD_PAGE_POLICY), Override: true },
          ContentTypeOptions: { Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
        }),
      },
    });
    expect(contentSecurityPolicy(DASHBOARD_PAGE_POLICY)).toMatch(/script-src 'self';/);
  });

  it('answers GET /dashboard with the page, as the local runtime does, through a viewer-request rewrite', () => {
    template.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionConfig: { Runtime: 'cloudfront-js-2.0' },
      FunctionCode: Match.stringLikeRegexp("event\\.request\\.uri = '/dashboard\\.html'"),
    });
    const config = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0]!.Properties.DistributionConfig as {
      CacheBehaviors: { PathPattern: string; FunctionAssociations?: { EventType: string }[]; AllowedMethods: string[] }[];
    };
    const page = config.CacheBehaviors.find((b) => b.PathPattern === '/dashboard');
    expect(page?.FunctionAssociations?.map((f) => f.EventType)).toEqual(['viewer-request']);
    expect(page?.AllowedMethods).toEqual(['GET', 'HEAD']);

    // The rewrite itself, run as CloudFront runs it.
    const code = (Object.values(template.findResources('AWS::CloudFront::Function'))[0]!.Properties as { FunctionCode: string }).FunctionCode;
    const handler = new Function(`${code}; return handler;`)() as (event: { request: { uri: string } }) => { uri: string };
    expect(handler({ request: { uri: '/dashboard' } }).uri).toBe('/dashboard.html');
  });

  it('outputs the dashboard URL, at /dashboard', () => {
    template.hasOutput('*', { Value: built.stack.resolve(built.dashboard.url) });
    expect(JSON.stringify(built.stack.resolve(built.dashboard.url))).toContain('/dashboard');
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding of its own', () => {
    const { stack } = dashboardStack(true);
    const annotations = Annotations.fromStack(stack);
    // The bare HttpApi stand-in has no access logs (the real Api construct has); only the dashboard is judged here.
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ].filter((finding) => !finding.id.startsWith('/DashboardTest/Api/'));
    expect(findings.map((finding) => `${finding.id}: ${String(finding.entry.data)}`)).toEqual([]);
  });
});
