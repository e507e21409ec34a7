import { CfnOutput, Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import type {
  CfnStage} from 'aws-cdk-lib/aws-apigatewayv2';
import {
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { Access } from '../access/access.construct';
import { routes, type FunctionKey, type Route } from '../functions';

/**
 * How long API Gateway keeps an authorizer's verdict for one key on one route: a revoked key keeps working for at
 * most this long, and a busy key costs one authorizer call per route this often.
 */
export const AUTHORIZER_CACHE_SECONDS = 60;

/**
 * What the authorizer's verdict is cached by: the key, and the route, since one key may be allowed on one route and
 * refused on another (scopes differ per route). Without the route, a cached "allow" would open every route to it.
 */
export const AUTHORIZER_IDENTITY_SOURCES = ['$request.header.Authorization', '$context.routeKey'];

export interface ApiProps {
  /** The Lambda function behind each function key; every function a route of the registry names must be present. */
  readonly functions: Readonly<Partial<Record<FunctionKey, IFunction>>>;
  /** The API keys capability: its authorizer guards every private route, its keys API serves `/keys`. */
  readonly access: Access;
  /**
   * Requests per second the stage accepts in a burst, across all routes.
   *
   * @default 100
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Steady-state requests per second the stage accepts, across all routes.
   *
   * @default 50
   */
  readonly throttlingRateLimit?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: RetentionDays;
}

/**
 * The public HTTP API: one route per HTTP route of the function registry, each a payload-2.0 Lambda integration, on the
 * `$default` stage with throttling and JSON access logs. Every route that is not public runs the API-key authorizer
 * first (functions/access/authorizer.ts).
 *
 * There is no API-level CORS configuration on purpose: allowed origins differ per form, so the forms handler
 * answers CORS, including the OPTIONS preflight routed to it, itself.
 */
export class Api extends Construct {
  public readonly httpApi: HttpApi;
  public readonly stage: HttpStage;
  public readonly accessLogs: LogGroup;
  /** The API keys capability whose authorizer guards the private routes. */
  public readonly access: Access;
  /** Base URL of the API, ending in `/`. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.access = props.access;

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Nurture: forms, contacts, journeys, email, reports',
      // The default stage is declared below, because the one HttpApi creates takes no access-log settings.
      createDefaultStage: false,
    });

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      throttle: {
        burstLimit: props.throttlingBurstLimit ?? 100,
        rateLimit: props.throttlingRateLimit ?? 50,
      },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(accessLogFields)),
      },
    });

    // Per-route throttling for public routes that declare it (lib/functions.ts), on top of the stage's limits.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const route of routes) {
      if (route.throttle) {
        routeSettings[route.routeKey] = {
          ThrottlingRateLimit: route.throttle.rateLimit,
          ThrottlingBurstLimit: route.throttle.burstLimit,
        };
      }
    }
    if (Object.keys(routeSettings).length > 0) (this.stage.node.defaultChild as CfnStage).routeSettings = routeSettings;

    // Payload 2.0 with simple responses: the verdict and its context, no IAM policy.
    const authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', props.access.authorizer.function, {
      authorizerName: 'api-key',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: AUTHORIZER_IDENTITY_SOURCES,
      resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_SECONDS),
    });
    const functions: Readonly<Partial<Record<FunctionKey, IFunction>>> = {
      ...props.functions,
      keysApi: props.access.keysApi.function,
      consoleApi: props.access.consoleApi.function,
    };

    const integrations = new Map<FunctionKey, HttpLambdaIntegration>();
    for (const route of routes) {
      const handler = functions[route.function];
      if (!handler) {
        throw new Error(`${this.node.path}: route "${route.routeKey}" needs function "${route.function}"`);
      }
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.function}Integration`, handler, {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(route.function, integration);
      }
      const httpRoute = new HttpRoute(this, `Route${constructIdFor(route.routeKey)}`, {
        httpApi: this.httpApi,
        routeKey: parseRouteKey(route.routeKey),
        integration,
        ...(route.auth === 'public' ? {} : { authorizer }),
      });
      // Route settings name routes by key: the stage is updated once they exist.
      if (route.throttle) this.stage.node.addDependency(httpRoute);
      if (route.auth === 'public') {
        NagSuppressions.addResourceSuppressions(httpRoute, [{ id: 'AwsSolutions-APIG4', reason: whyPublic(route) }]);
      }
    }

    this.url = this.stage.url;
    new CfnOutput(this, 'Url', { description: 'Base URL of the Nurture HTTP API', value: this.url });
  }
}

/**
 * One JSON object per request. The route template is logged instead of the path, and the client IP and user
 * agent are left out, so no contact id, token or other personal data lands in the access logs.
 */
const accessLogFields = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
};

/**
 * Why a public function's routes carry no API Gateway authorizer. A public route whose function is missing here
 * fails the synth, so a new route cannot go public without someone writing down why.
 */
const publicRouteReasons: Readonly<Partial<Record<FunctionKey, string>>> = {
  submitForm:
    'Public by design: landing-page visitors submit forms anonymously, and browsers send the CORS preflight ' +
    'without credentials. Abuse is bounded by the stage throttling.',
  crmWebhook:
    'Called by CRMs (HubSpot webhook subscriptions, generic signed webhooks), which cannot send our bearer token: ' +
    'the handler verifies the HubSpot v3 signature or our HMAC-SHA256 signature with a 5-minute window (401 otherwise).',
  emailTracking:
    'Opened from emails by their recipients, with no session: the path carries an HMAC-signed token the handler ' +
    'verifies (404 otherwise), and a click only redirects to a URL stored for that send.',
  emailPreferences:
    'RFC 8058 one-click unsubscribe must work without credentials (mailbox providers POST it); the signed token ' +
    'in the path is the credential, verified by the handler (404 otherwise).',
  track:
    'Segment-compatible tracking API: sites and SDKs authenticate with the write key as the Basic-auth username, ' +
    'which the handler checks (401 without it); browsers send the CORS preflight without credentials.',
};

function whyPublic(route: Route): string {
  const reason = publicRouteReasons[route.function];
  if (!reason) {
    throw new Error(`Route "${route.routeKey}" is public and has no recorded reason for it (publicRouteReasons)`);
  }
  return reason;
}

function parseRouteKey(routeKey: string): HttpRouteKey {
  const [method, path, ...rest] = routeKey.split(' ');
  if (!method || !path || rest.length > 0 || !(method in HttpMethod)) {
    throw new Error(`Route key "${routeKey}" is not "<METHOD> /path"`);
  }
  return HttpRouteKey.with(path, HttpMethod[method as keyof typeof HttpMethod]);
}

/** `GET /contacts/{contactId}` → `GETcontactscontactId`: stable, and unique as long as route keys are. */
function constructIdFor(routeKey: string): string {
  return routeKey.replace(/[^A-Za-z0-9]/g, '');
}
