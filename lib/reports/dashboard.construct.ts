import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
  Function as CloudFrontFunction,
  type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { contentSecurityPolicy, DASHBOARD_PAGE_POLICY } from '../../functions/shared/security-headers';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

const repoRoot = join(import.meta.dirname, '../..');

/** The page and the chart library, read at synth: the same files the local runtime serves at `GET /dashboard`. */
export const dashboardFiles = {
  page: join(repoRoot, 'local/public/dashboard.html'),
  script: join(repoRoot, 'local/public/dashboard.js'),
  chartJs: join(repoRoot, 'node_modules/chart.js/dist/chart.umd.min.js'),
} as const;

/** The API paths the page calls, sent on to the HTTP API by CloudFront (same origin: no CORS to open). */
export const dashboardApiPaths = ['/reports/*', '/programs/*'] as const;

export interface DashboardProps {
  /** The HTTP API serving `GET /reports/{name}` and `PUT /programs/{id}/costs`. */
  readonly api: IHttpApi;
  /**
   * Where CloudFront serves from.
   *
   * @default PriceClass.PRICE_CLASS_100
   */
  readonly priceClass?: PriceClass;
}

/**
 * The reports dashboard in AWS: the static page of `local/public/dashboard.html` and chart.js in a private S3
 * bucket, read by CloudFront through origin access control, and the reports API behind the same CloudFront
 * domain (`/reports/*`, `/programs/*`), so the page's relative calls work unchanged. The API keeps its own
 * authorization: the page sends the API key the user enters (scope reports:read), CloudFront passes it on and caches nothing.
 */
export class Dashboard extends Construct {
  public readonly bucket: Bucket;
  /** Server access logs of the bucket (`s3/`) and CloudFront's access logs (`cloudfront/`), kept 90 days. */
  public readonly logs: Bucket;
  public readonly distribution: Distribution;
  /** The role of the CDK's BucketDeployment provider that uploads the files (AWSLambdaBasicExecutionRole). */
  public readonly deploymentRole: IRole;
  /** The dashboard's URL: `https://<distribution>/dashboard` (the root answers the same page). */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.logs = new Bucket(this, 'Logs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront's standard logs are delivered with an ACL.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 's3/',
    });

    const toApi: BehaviorOptions = {
      origin: new HttpOrigin(`${props.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, {
        protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      }),
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      // Reports answer per key and range: nothing is cached, every header but Host (API Gateway's) goes on.
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    // The same headers the local runtime sends with the page (functions/shared/security-headers.ts).
    const pageHeaders = new ResponseHeadersPolicy(this, 'PageHeaders', {
      comment: 'Nurture dashboard: CSP without inline script, nosniff, no referrer, no framing',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: contentSecurityPolicy(DASHBOARD_PAGE_POLICY), override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    const toPage = {
      origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy: pageHeaders,
    } satisfies BehaviorOptions;
    // `GET /dashboard` answers the page, as the local runtime does: the object is `dashboard.html` (its key gives
    // S3 the HTML content type), so a viewer-request function rewrites the path.
    const dashboardPath = new CloudFrontFunction(this, 'DashboardPath', {
      runtime: FunctionRuntime.JS_2_0,
      comment: 'GET /dashboard serves dashboard.html',
      code: FunctionCode.fromInline("function handler(event) { event.request.uri = '/dashboard.html'; return event.request; }"),
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Nurture reports dashboard',
      defaultRootObject: 'dashboard.html',
      priceClass: props.priceClass ?? PriceClass.PRICE_CLASS_100,
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: this.logs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: toPage,
      additionalBehaviors: {
        '/dashboard': { ...toPage, functionAssociations: [{ function: dashboardPath, eventType: FunctionEventType.VIEWER_REQUEST }] },
        ...Object.fromEntries(dashboardApiPaths.map((path) => [path, toApi])),
      },
    });

    const files = new BucketDeployment(this, 'Files', {
      destinationBucket: this.bucket,
      sources: [
        Source.data('dashboard.html', readFileSync(dashboardFiles.page, 'utf8')),
        Source.data('dashboard/chart.js', readFileSync(dashboardFiles.chartJs, 'utf8')),
        Source.data('dashboard/dashboard.js', readFileSync(dashboardFiles.script, 'utf8')),
      ],
      distribution: this.distribution,
      distributionPaths: ['/dashboard', '/dashboard.html', '/dashboard/*'],
      memoryLimit: 256,
    });

    this.deploymentRole = files.handlerRole;
    this.url = `https://${this.distribution.distributionDomainName}/dashboard`;
    new CfnOutput(this, 'Url', { value: this.url, description: 'The reports dashboard (enter an API key with the reports:read scope)' });
    this.acknowledge(files);
  }

  private acknowledge(files: BucketDeployment) {
    NagSuppressions.addResourceSuppressions(this.logs, [
      { id: 'AwsSolutions-S1', reason: 'This is the access-log bucket itself; logging it into itself would loop.' },
    ]);
    NagSuppressions.addResourceSuppressions(this.distribution, [
      {
        id: 'AwsSolutions-CFR1',
        reason: 'The dashboard is used by the team from wherever they work; its data is guarded by API keys, not by geography.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Static files plus the reports API, whose authorizer checks the API key on every call and is throttled at the API stage; ' +
          'a WAF web ACL (a fixed monthly cost) adds nothing for a page only the team opens. Attach one via webAclId if required.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the viewer TLS policy; ' +
          'a custom domain with its own certificate is what allows TLSv1.2_2021 as the minimum.',
      },
    ]);
    // BucketDeployment's provider: one singleton function per stack, written and maintained by the CDK.
    NagSuppressions.addResourceSuppressions(
      files.handlerRole,
      [
        { id: 'AwsSolutions-IAM4', reason: "The CDK's BucketDeployment provider uses AWSLambdaBasicExecutionRole for its logs." },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'The CDK-generated grants of BucketDeployment: read the CDK asset bucket, write and prune the dashboard bucket (object wildcards within those two buckets) and invalidate this distribution.',
        },
      ],
      true,
    );
    const provider = Stack.of(this).node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (provider) {
      NagSuppressions.addResourceSuppressions(provider, [
        { id: 'AwsSolutions-L1', reason: "The runtime of the CDK's own BucketDeployment provider is chosen by the CDK version in use." },
      ], true);
    }
  }
}
