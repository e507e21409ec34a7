import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import base from '../fixtures/http-api-event.json' with { type: 'json' };
import type { AuthorizerContext } from '../../functions/access/authorizer-context';
import { ROLE_SCOPES } from '../../functions/access/domain/roles';
import type { HttpResult } from '../../functions/shared/http';
import type { Logger } from '../../functions/shared/logger';

export interface EventOverrides {
  readonly routeKey?: string;
  readonly path?: string;
  readonly pathParameters?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  /**
   * The authorizer's verdict the function receives (`requestContext.authorizer.lambda`), or `none` for a request
   * that reached it without the authorizer. Default: a key with the `admin` scope when the request has a non-empty
   * Authorization header, `none` otherwise. The authorizer itself is tested through the gateway (tests/access).
   */
  readonly authorizer?: AuthorizerContext | 'none';
}

/** The authorizer's refusal of an unknown key (401), as the function receives it. */
export const refusedUnknownKey: AuthorizerContext = { access: 'refused', status: '401', error: 'unknown_key', message: 'This API key is not known' };

/** The verdict of the authorizer for a key with these scopes. */
export function grantedTo(scopes = 'admin', keyId = 'testkey000000000'): AuthorizerContext {
  return { access: 'granted', keyId, scopes, actorKind: 'key', actorId: keyId };
}

/** The verdict of the authorizer for a person signed in to the console with this role. */
export function grantedToUser(role: 'viewer' | 'marketer' | 'admin', sub = 'test-user-sub', username = 'test-user'): AuthorizerContext {
  const scopes = ROLE_SCOPES[role].join(' ');
  return { access: 'granted', keyId: `user:${sub}`, scopes, actorKind: 'user', actorId: sub, actorName: username, role };
}

/** A payload-v2 event from the JSON fixture, with overrides. The method comes from the route key. */
export function httpEvent(overrides: EventOverrides = {}): APIGatewayProxyEventV2 {
  const routeKey = overrides.routeKey ?? base.routeKey;
  const method = routeKey.split(' ')[0]!;
  const path = overrides.path ?? base.rawPath;
  const headers: Record<string, string> = { ...base.headers, ...overrides.headers };
  const authorizer = overrides.authorizer ?? (headers.authorization ? grantedTo() : 'none');
  return {
    ...structuredClone(base),
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(overrides.query ?? {}).toString(),
    headers,
    ...(overrides.query ? { queryStringParameters: overrides.query } : {}),
    pathParameters: overrides.pathParameters ?? base.pathParameters,
    requestContext: {
      ...structuredClone(base.requestContext),
      routeKey,
      http: { ...base.requestContext.http, method, path },
      ...(authorizer === 'none' ? {} : { authorizer: { lambda: authorizer } }),
    },
    ...(overrides.body !== undefined ? { body: overrides.body } : {}),
    isBase64Encoded: overrides.isBase64Encoded ?? false,
  };
}

export function lambdaContext(): Context {
  return {
    awsRequestId: randomUUID(),
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test',
    memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/test',
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A logger that keeps lines in memory, so tests can assert what is (and is not) logged. */
export function memoryLogger(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, ...(fields ? { fields } : {}) });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export function bodyOf(result: HttpResult): Record<string, unknown> {
  return JSON.parse(result.body ?? '{}') as Record<string, unknown>;
}
