import middy from '@middy/core';
import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Logger } from './logger';
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

export function html(statusCode: number, body: string, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'text/html; charset=utf-8', ...headers }, body };
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
}

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
    .use(errorMapper(options));
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
