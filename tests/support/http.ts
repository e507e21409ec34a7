import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import base from '../fixtures/http-api-event.json' with { type: 'json' };
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
}

/** A payload-v2 event from the JSON fixture, with overrides. The method comes from the route key. */
export function httpEvent(overrides: EventOverrides = {}): APIGatewayProxyEventV2 {
  const routeKey = overrides.routeKey ?? base.routeKey;
  const method = routeKey.split(' ')[0]!;
  const path = overrides.path ?? base.rawPath;
  return {
    ...structuredClone(base),
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(overrides.query ?? {}).toString(),
    headers: { ...base.headers, ...overrides.headers },
    ...(overrides.query ? { queryStringParameters: overrides.query } : {}),
    pathParameters: overrides.pathParameters ?? base.pathParameters,
    requestContext: { ...structuredClone(base.requestContext), routeKey, http: { ...base.requestContext.http, method, path } },
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
