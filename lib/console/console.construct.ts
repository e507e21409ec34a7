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
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { consolePagePolicy, contentSecurityPolicy } from '../../functions/shared/security-headers';

const repoRoot = join(import.meta.dirname, '../..');

/** The built console app (`npm run console:build`; `cdk synth` builds it first, bin/nurture.ts). */
export const consoleDist = join(repoRoot, 'console/dist');

/**
 * The API paths the console calls, sent on to the HTTP API by CloudFront: the console and the API share one origin,
 * so no CORS is opened. Each pattern covers the collection and its items (`/contacts*`: `/contacts`, `/contacts/…`).
 */
export const consoleApiPaths = [
  '/me',
  '/contacts*',
  '/segments*',
  '/journeys*',
  '/broadcasts*',
  '/experiments*',
  '/templates*',
  '/reports/*',
  '/programs/*',
  '/audit*',
  '/keys*',
] as const;

/**
 * CloudFront's viewer-request function for the app's pages: the app routes in the browser, so every console path but
 * its assets and configuration answers `index.html`; `/`, `/console` and the old `/dashboard` move into the app.
 */
export const CONSOLE_ROUTING_FUNCTION = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/' || uri === '/console') return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '/console/' } } };
  if (uri === '/dashboard' || uri === '/dashboard.html') return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '/console/reports' } } };
  if (uri.indexOf('/console/assets/') === 0 || uri === '/console/config.json') return request;
  request.uri = '/console/index.html';
  return request;
}`;

export interface ConsoleSiteProps {
  /** The HTTP API the console calls (every private route checks its caller itself). */
  readonly api: IHttpApi;
  /** The Cognito user pool and app client people sign in with (lib/access). */
  readonly signIn: { readonly userPoolId: string; readonly clientId: string };
  /**
   * Where CloudFront serves from.
   *
   * @default PriceClass.PRICE_CLASS_100
   */
  readonly priceClass?: PriceClass;
}

/**
 * The console in AWS: the built app (`console/dist`) and its `config.json` (the user pool to sign in with) in a private
 * S3 bucket read by CloudFront through origin access control, and the HTTP API behind the same CloudFront domain for
 * the paths the app calls, uncached. Sign-in goes from the browser to Cognito's API; the API checks the person's token.
 */
export class ConsoleSite extends Construct {
  public readonly bucket: Bucket;
  /** Server access logs of the bucket (`s3/`) and CloudFront's access logs (`cloudfront/`), kept 90 days. */
  public readonly logs: Bucket;
  public readonly distribution: Distribution;
  /** The role of the CDK's BucketDeployment provider that uploads the files (AWSLambdaBasicExecutionRole). */
  public readonly deploymentRole: IRole;
  /** The console's URL: `https://<distribution>/console/`. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const signInEndpoint = `https://cognito-idp.${stack.region}.${stack.urlSuffix}/`;

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
      // Answers are per person and per range: nothing is cached, every header but Host (API Gateway's) goes on.
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    // The same headers the local runtime sends with the app (functions/shared/security-headers.ts).
    const pageHeaders = new ResponseHeadersPolicy(this, 'PageHeaders', {
      comment: 'Nurture console: CSP without inline script, nosniff, no referrer, no framing',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy(consolePagePolicy(`https://cognito-idp.${stack.region}.${stack.urlSuffix}`)),
          override: true,
        },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    const routing = new CloudFrontFunction(this, 'Routing', {
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Console paths answer index.html; / and /dashboard move into the console',
      code: FunctionCode.fromInline(CONSOLE_ROUTING_FUNCTION),
    });
    const toApp = {
      origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy: pageHeaders,
      functionAssociations: [{ function: routing, eventType: FunctionEventType.VIEWER_REQUEST }],
    } satisfies BehaviorOptions;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Nurture console',
      priceClass: props.priceClass ?? PriceClass.PRICE_CLASS_100,
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: this.logs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: toApp,
      additionalBehaviors: Object.fromEntries(consoleApiPaths.map((path) => [path, toApi])),
    });

    const files = new BucketDeployment(this, 'Files', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'console/',
      sources: [
        Source.asset(consoleDist, { exclude: ['.build-hash'] }),
        Source.jsonData('config.json', {
          auth: { endpoint: signInEndpoint, region: stack.region, userPoolId: props.signIn.userPoolId, clientId: props.signIn.clientId },
          apiBase: '',
          environment: 'aws',
        }),
      ],
      distribution: this.distribution,
      distributionPaths: ['/console/*'],
      memoryLimit: 256,
    });

    this.deploymentRole = files.handlerRole;
    this.url = `https://${this.distribution.distributionDomainName}/console/`;
    new CfnOutput(this, 'Url', { value: this.url, description: 'The console (sign in with a user created by `npm run users -- create`)' });
    this.acknowledge(files);
  }

  private acknowledge(files: BucketDeployment) {
    NagSuppressions.addResourceSuppressions(this.logs, [
      { id: 'AwsSolutions-S1', reason: 'This is the access-log bucket itself; logging it into itself would loop.' },
    ]);
    NagSuppressions.addResourceSuppressions(this.distribution, [
      {
        id: 'AwsSolutions-CFR1',
        reason: 'The console is used by the team from wherever they work; its data is guarded by per-person sign-in and API scopes, not by geography.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Static files plus the HTTP API, whose authorizer checks every call and which is throttled at the API stage; ' +
          'a WAF web ACL (a fixed monthly cost) adds little for an app only the team signs in to. Attach one via webAclId if required.',
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
            'The CDK-generated grants of BucketDeployment: read the CDK asset bucket, write and prune the console bucket (object wildcards within those two buckets) and invalidate this distribution.',
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
