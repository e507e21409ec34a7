import { Buffer } from 'node:buffer';
import middy from '@middy/core';
import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Logger } from './logger';
import { htmlSecurityHeaders, type PagePolicy } from './security-headers';
import type { FieldError } from './validation';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string> };

/**
 * A client mistake with the status code and machine-readable code it maps to. Anything that is not an HttpError
 * is a server fault: it is logged and rethrown so the invocation fails loudly (API Gateway answers 500).
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class NotFound extends HttpError {
  override name = 'NotFound';
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class BadRequest extends HttpError {
  override name = 'BadRequest';
  constructor(message: string, code = 'bad_request') {
    super(400, code, message);
  }
}

export class ValidationFailed extends HttpError {
  override name = 'ValidationFailed';
  constructor(readonly errors: readonly FieldError[]) {
    super(422, 'validation_failed', 'Some fields are missing or invalid', { errors });
  }
}

/** Query-string parameters that are missing or invalid. */
export class InvalidQuery extends HttpError {
  override name = 'InvalidQuery';
  constructor(readonly errors: readonly FieldError[]) {
    super(400, 'invalid_query', 'Some query parameters are missing or invalid', { errors });
  }
}

/** A body over the route's limit: refused before any of it is parsed. */
export class PayloadTooLarge extends HttpError {
  override name = 'PayloadTooLarge';
  constructor(maxBytes: number) {
    super(413, 'payload_too_large', `The request body is larger than ${maxBytes} bytes`, { maxBytes });
  }
}

/** A path parameter no stored id can match (too long, or with control characters): refused before any lookup. */
export class InvalidPathParameter extends HttpError {
  override name = 'InvalidPathParameter';
  constructor(parameter: string, reason: string) {
    super(400, 'invalid_path_parameter', `The path parameter ${parameter} ${reason}`, { parameter });
  }
}

/** Contention we could not resolve within our retries: the client may retry, nothing was stored. */
export class ServiceBusy extends HttpError {
  override name = 'ServiceBusy';
  constructor() {
    super(503, 'busy', 'The service is busy; nothing was stored, please retry');
  }
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * An HTML page, always with the security headers (CSP without inline script, nosniff, Referrer-Policy, framing
 * refused unless `policy` allows it): every page a handler answers goes through here.
 */
export function html(statusCode: number, body: string, headers: Record<string, string> = {}, policy: PagePolicy = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'text/html; charset=utf-8', ...htmlSecurityHeaders(policy), ...headers }, body };
}

export function header(event: HttpEvent, name: string): string | undefined {
  return event.headers[name] ?? event.headers[name.toLowerCase()];
}

/** A browser navigating (plain form post, no JavaScript) asks for HTML; fetch() and server calls do not. */
export function wantsHtml(event: HttpEvent): boolean {
  return (header(event, 'accept') ?? '').includes('text/html');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface HttpHandlerOptions {
  readonly logger: Logger;
  /** Render client errors as an HTML page when this returns true (browser form posts). @default never */
  readonly htmlErrors?: (event: HttpEvent) => boolean;
  /** Extra headers for every response, errors included (CORS). */
  readonly responseHeaders?: (event: HttpEvent) => Record<string, string>;
  /** Middleware that runs between the logger and the handler, such as authentication or body parsing. */
  readonly middlewares?: readonly MiddlewareObj<HttpEvent, HttpResult>[];
  /** The largest request body the routes accept, decoded; a larger one is answered 413. @default DEFAULT_MAX_BODY_BYTES */
  readonly maxBodyBytes?: number;
}

/** What a request body may weigh when a handler says nothing else: far above any form post or API call. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/**
 * The longest path parameter (UTF-8 bytes) any route reads: ids and tokens are far shorter, and DynamoDB refuses
 * key values over 2,048 bytes, so a longer one can only fail deeper down.
 */
export const MAX_PATH_PARAMETER_BYTES = 512;

/**
 * The one middleware stack every HTTP handler uses: request log → response headers → error mapping → the
 * handler's own middlewares (auth) → the handler. Errors are mapped before the headers are added, so CORS
 * headers reach error responses too.
 */
export function httpHandler(
  handle: (event: HttpEvent, context: Context) => Promise<HttpResult>,
  options: HttpHandlerOptions,
) {
  const stack = middy<HttpEvent, HttpResult>()
    .use(requestLog(options.logger))
    .use(extraHeaders(options.responseHeaders))
    .use(errorMapper(options))
    .use(requestLimits(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
  for (const middleware of options.middlewares ?? []) stack.use(middleware);
  return stack.handler(handle);
}

const logFields = new WeakMap<HttpEvent, Record<string, unknown>>();

/**
 * Adds identifiers (never personal data) to the one log line the request ends with, so a request costs one
 * log write rather than one per step.
 */
export function annotate(event: HttpEvent, fields: Record<string, unknown>): void {
  logFields.set(event, { ...logFields.get(event), ...fields });
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The checks every route gets before its handler runs, so none can forget them: the body's size, and every path
 * parameter's length and characters.
 */
function requestLimits(maxBodyBytes: number): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: (request) => {
      const { body, isBase64Encoded, pathParameters } = request.event;
      if (body && Buffer.byteLength(body, isBase64Encoded ? 'base64' : 'utf8') > maxBodyBytes) throw new PayloadTooLarge(maxBodyBytes);
      for (const [name, value] of Object.entries(pathParameters ?? {})) {
        if (value === undefined) continue;
        if (Buffer.byteLength(value, 'utf8') > MAX_PATH_PARAMETER_BYTES) {
          throw new InvalidPathParameter(name, `is longer than ${MAX_PATH_PARAMETER_BYTES} bytes`);
        }
        if (CONTROL_CHARACTERS.test(value)) throw new InvalidPathParameter(name, 'contains control or invalid characters');
      }
    },
  };
}

function requestLog(logger: Logger): MiddlewareObj<HttpEvent, HttpResult> {
  const started = new WeakMap<object, number>();
  const log = (request: Request<HttpEvent, HttpResult>) => {
    logger.info('request', {
      ...logFields.get(request.event),
      routeKey: request.event.routeKey,
      status: request.response?.statusCode ?? 500,
      ms: Date.now() - (started.get(request.event) ?? Date.now()),
      requestId: request.context.awsRequestId,
    });
  };
  return {
    before: (request) => {
      started.set(request.event, Date.now());
    },
    after: log,
    onError: log,
  };
}

function errorMapper(options: HttpHandlerOptions): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: (request) => {
      const error = request.error;
      if (!(error instanceof HttpError)) {
        options.logger.error('unhandled error', { error, routeKey: request.event.routeKey });
        return;
      }
      request.response =
        options.htmlErrors?.(request.event) === true
          ? html(error.statusCode, errorPage(error, header(request.event, 'referer')), error.headers)
          : json(error.statusCode, { error: error.code, message: error.message, ...error.details }, error.headers);
    },
  };
}

function extraHeaders(
  headersFor: ((event: HttpEvent) => Record<string, string>) | undefined,
): MiddlewareObj<HttpEvent, HttpResult> {
  const add = (request: Request<HttpEvent, HttpResult>) => {
    if (!headersFor || !request.response) return;
    request.response.headers = { ...request.response.headers, ...headersFor(request.event) };
  };
  return { after: add, onError: add };
}

function errorPage(error: HttpError, referer: string | undefined): string {
  const back = referer && /^https?:\/\//.test(referer) ? `<p><a href="${escapeHtml(referer)}">Go back to the form</a></p>` : '';
  const items =
    error instanceof ValidationFailed
      ? `<ul>${error.errors.map((e) => `<li><strong>${escapeHtml(e.field)}</strong>: ${escapeHtml(e.message)}</li>`).join('')}</ul>`
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Please check the form</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style></head>
<body><h1>We could not accept this form</h1><p>${escapeHtml(error.message)}.</p>${items}
${back}</body></html>`;
}
