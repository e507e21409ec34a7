import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { createLogger } from '../functions/shared/logger';
import { htmlSecurityHeaders } from '../functions/shared/security-headers';

export type HttpLambda = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/** A Lambda authorizer with simple responses (payload 2.0), as the HTTP API calls it. */
export type AuthorizerLambda = (
  event: APIGatewayRequestAuthorizerEventV2,
  context: Context,
) => Promise<{ readonly isAuthorized: boolean; readonly context?: Readonly<Record<string, unknown>> }>;

/** An HTTP route as the registry declares it; only these fields matter to the gateway. */
export interface GatewayRoute {
  /** `METHOD /path/{param}`, exactly as API Gateway HTTP API route keys are written. */
  readonly routeKey: string;
  /** The key, in `handlers`, of the function serving the route. */
  readonly function: string;
  /** `public`, or anything else: the route is behind the authorizer. */
  readonly auth: 'public' | object;
}

export interface GatewayOptions {
  readonly port: number;
  readonly host?: string;
  readonly routes: readonly GatewayRoute[];
  /** The handler module's `handler` export for every function a route names. */
  readonly handlers: Readonly<Record<string, HttpLambda>>;
  /** The authorizer every non-public route runs first, as the deployed API's (lib/api/api.construct.ts); required with one. */
  readonly authorizer?: AuthorizerLambda;
  /** Local-only pages (the demo landing page) and their scripts (`.js`), by path. */
  readonly pages?: Readonly<Record<string, string>>;
  /** Local-only services served in-process, by exact path (the local CRM's `/dev/crm`). */
  readonly locals?: Readonly<Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>>;
  /** Local services that own every path under a prefix (`/console` and `/console/…`: the console app). */
  readonly mounts?: Readonly<Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>>;
  readonly health: () => Promise<{ ok: boolean; [part: string]: unknown }>;
  /** Like API Gateway's integration timeout. @default 29000 */
  readonly timeoutMs?: number;
}

export interface Gateway {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

// Errors only, like API Gateway's own logs: no access log, whose client IPs and paths (tokens) are personal data.
const log = createLogger('gateway');

/** API Gateway HTTP APIs refuse payloads over 10 MB before any Lambda runs. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml|javascript)|[^;]*\+(json|xml))/i;

interface CompiledRoute {
  readonly route: GatewayRoute;
  readonly method: string;
  readonly pattern: RegExp;
  readonly params: readonly string[];
}

/**
 * A small stand-in for API Gateway HTTP API: it turns each request into a payload-format-2.0 event, calls the
 * same handler module the Lambda runs, and writes the structured result back.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const guarded = options.routes.filter((route) => route.auth !== 'public');
  if (guarded.length > 0 && !options.authorizer) throw new Error(`routes ${guarded.map((route) => route.routeKey).join(', ')} need the authorizer`);
  const compiled = options.routes.map(compileRoute);
  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const serving = serve(req, res, compiled, options)
      .catch((error: unknown) => {
        // A client that hangs up mid-request is not the gateway's failure.
        if (req.destroyed && !req.complete) return;
        log.error('gateway failure', { error });
        if (!res.headersSent) send(res, 500, { message: 'Internal Server Error' });
      })
      .finally(() => inFlight.delete(serving));
    inFlight.add(serving);
  });
  server.keepAliveTimeout = 5_000;
  // A request Node's parser refuses before any route (headers over its limit, a malformed request line) is still
  // answered with a JSON body naming the problem, as every other refusal is.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const [status, message] = error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
    const body = JSON.stringify({ message });
    socket.end(`HTTP/1.1 ${status} ${message}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return { url: `http://127.0.0.1:${port}`, port, close: () => closeServer(server, inFlight) };
}

/** Methods of the gateway's own resources; HEAD answers GET's headers without a body. */
const LOCAL_METHODS = ['GET', 'HEAD'];

async function serve(req: IncomingMessage, res: ServerResponse, routes: readonly CompiledRoute[], options: GatewayOptions) {
  const url = parseUrl(req.url);
  // Like API Gateway, refuse a path that is not valid percent-encoding before routing.
  if (!url || decodes(url.pathname) === undefined) return send(res, 400, { message: 'Bad Request' });
  const method = (req.method ?? 'GET').toUpperCase();

  const local = options.locals?.[url.pathname];
  if (local) return local(req, res);
  const mount = Object.entries(options.mounts ?? {}).find(([prefix]) => url.pathname === prefix || url.pathname.startsWith(`${prefix}/`));
  if (mount) return mount[1](req, res);
  const page = options.pages?.[url.pathname];
  if (url.pathname === '/health' || page) {
    if (!LOCAL_METHODS.includes(method)) return notAllowed(res, LOCAL_METHODS);
    if (page) return sendPage(res, page);
    const { ok, ...parts } = await options.health().catch(() => ({ ok: false }));
    return send(res, ok ? 200 : 503, { status: ok ? 'ok' : 'degraded', ...parts });
  }

  const match = matchRoute(routes, method, url.pathname);
  if (!match) {
    const allowed = routes.filter((route) => route.pattern.test(url.pathname)).map((route) => route.method);
    return allowed.length ? notAllowed(res, allowed) : send(res, 404, { message: 'Not Found' });
  }
  const body = await readBody(req);
  if (body === 'too-large') return send(res, 413, { message: 'Request Entity Too Large' });

  const handler = options.handlers[match.route.route.function];
  if (!handler) throw new Error(`no handler for function ${match.route.route.function}`);
  const event = toEvent(req, url, method, match, body);
  if (match.route.route.auth !== 'public') {
    const refused = await authorize(event, options.authorizer!);
    if (refused) return send(res, refused.status, { message: refused.message });
  }
  const timeoutMs = options.timeoutMs ?? 29_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    const result = await Promise.race([handler(event, lambdaContext(match.route.route.function, timeoutMs)), timedOut]);
    if (result === 'timeout') return send(res, 503, { message: 'Service Unavailable' });
    writeResult(res, result);
  } catch (error) {
    // Lambda reports the error and API Gateway hides it behind a generic 500, as here.
    log.error('handler failed', { error, routeKey: match.route.route.routeKey });
    send(res, 500, { message: 'Internal Server Error' });
  } finally {
    clearTimeout(timer);
  }
}

/** How long API Gateway waits for an authorizer before answering 500. */
const AUTHORIZER_TIMEOUT_MS = 10_000;

/**
 * The deployed API's authorizer step: with the Authorization header among its identity sources (it is cached by
 * them), a request without it is answered 401 before the authorizer runs; otherwise the authorizer decides, and an
 * allowed request reaches the function with the authorizer's context as `requestContext.authorizer.lambda`.
 */
async function authorize(event: APIGatewayProxyEventV2, authorizer: AuthorizerLambda): Promise<{ status: number; message: string } | undefined> {
  const authorization = event.headers.authorization;
  if (authorization === undefined || authorization.trim() === '') return { status: 401, message: 'Unauthorized' };
  const { version: _version, body: _body, isBase64Encoded: _encoded, ...request } = event;
  const result = await authorizer(
    {
      ...request,
      version: '2.0',
      type: 'REQUEST',
      routeArn: `arn:aws:execute-api:us-east-1:000000000000:local/$default/${event.requestContext.http.method}${event.rawPath}`,
      identitySource: [authorization, event.routeKey],
    } as APIGatewayRequestAuthorizerEventV2,
    lambdaContext('authorizer', AUTHORIZER_TIMEOUT_MS),
  );
  if (!result.isAuthorized) return { status: 403, message: 'Forbidden' };
  Object.assign(event.requestContext, { authorizer: { lambda: result.context ?? {} } });
  return undefined;
}

function compileRoute(route: GatewayRoute): CompiledRoute {
  const [method, path] = route.routeKey.split(' ') as [string, string];
  const params: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)(\+?)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(param[1]!);
      return param[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { route, method, pattern: new RegExp(`^${source}$`), params };
}

/**
 * The request target as a URL, or undefined when it is not a path. The path is appended to a fixed origin rather
 * than resolved against it, so `//x` stays a path instead of naming a host.
 */
function parseUrl(target: string | undefined): URL | undefined {
  if (!target?.startsWith('/')) return undefined;
  try {
    return new URL(`http://gateway.local${target}`);
  } catch {
    return undefined;
  }
}

function decodes(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function matchRoute(routes: readonly CompiledRoute[], method: string, path: string) {
  for (const route of routes) {
    if (route.method !== method && route.method !== 'ANY') continue;
    const found = route.pattern.exec(path);
    if (!found) continue;
    // The whole path decodes, so each segment does: no percent-escape spans a '/'.
    const pathParameters = Object.fromEntries(route.params.map((name, i) => [name, decodes(found[i + 1]!) ?? ''] as const));
    return { route, pathParameters };
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_PAYLOAD_BYTES) return 'too-large';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  method: string,
  match: NonNullable<ReturnType<typeof matchRoute>>,
  body: Buffer,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-forwarded-for'] ??= req.socket.remoteAddress ?? '127.0.0.1';
  const cookies = req.headers.cookie?.split(/;\s*/).filter(Boolean);

  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;

  const isText = TEXT_TYPES.test(headers['content-type'] ?? '');
  const now = new Date();
  const routeKey = match.route.route.routeKey;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    ...(match.route.params.length ? { pathParameters: match.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0]!,
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length
      ? { body: isText ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !isText }
      : { isBase64Encoded: false }),
  };
}

function lambdaContext(functionName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const fail = () => {
    throw new Error('callback-style handlers are not supported');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: fail,
    fail,
    succeed: fail,
  };
}

/** Payload 2.0 results: a structured response, or anything else serialized as a 200 JSON body. */
function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2) {
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(typeof result === 'string' ? result : JSON.stringify(result));
  }
  const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const body = result.body ?? '';
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

function send(res: ServerResponse, status: number, body: unknown) {
  sendBody(res, status, 'application/json', JSON.stringify(body));
}

/** Node leaves the body out when answering HEAD; the headers stay those of GET. */
function sendBody(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/**
 * The demo pages load the snippet and post forms to the API, which the partner page reaches on the other loopback
 * name (a cross-origin embed); nothing else runs, and no inline script.
 */
const DEMO_ORIGINS = ["'self'", 'http://127.0.0.1:*', 'http://localhost:*'];
const DEMO_PAGE_HEADERS = htmlSecurityHeaders({ scriptSrc: DEMO_ORIGINS, connectSrc: DEMO_ORIGINS, formAction: DEMO_ORIGINS });

async function sendPage(res: ServerResponse, path: string) {
  const body = await readFile(path);
  if (path.endsWith('.js')) return sendBody(res, 200, 'text/javascript; charset=utf-8', body, { 'x-content-type-options': 'nosniff' });
  sendBody(res, 200, 'text/html; charset=utf-8', body, DEMO_PAGE_HEADERS);
}

function notAllowed(res: ServerResponse, methods: readonly string[]) {
  const allow = [...new Set(methods)].sort().join(', ');
  sendBody(res, 405, 'application/json', JSON.stringify({ message: 'Method Not Allowed' }), { allow });
}

/** How long close() lets requests already being handled finish before it cuts their connections. */
const CLOSE_GRACE_MS = 5_000;

/**
 * Stops accepting connections, lets requests already in a handler finish (so a handler never outlives the
 * stores it writes to), then closes every connection.
 */
async function closeServer(server: Server, inFlight: ReadonlySet<Promise<void>>): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...inFlight]),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS))),
  ]);
  clearTimeout(timer);
  server.closeAllConnections();
  await closed;
}

export const demoPages = (dir: string) => ({
  '/': join(dir, 'index.html'),
  '/thank-you': join(dir, 'thank-you.html'),
  // The embed snippet on the demo page, and on a page of another origin (open it as http://localhost:<port>/partner).
  '/snippet': join(dir, 'snippet.html'),
  '/partner': join(dir, 'partner.html'),
  '/partner.js': join(dir, 'partner.js'),
});
