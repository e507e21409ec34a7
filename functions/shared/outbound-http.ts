import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkUrl, isAllowedAddress } from './ssrf';

/** One address a host name resolves to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Every address a host name resolves to (like `dns.lookup` with `all: true`). */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface OutboundHttpOptions {
  /** Locally only: the local receivers listen on loopback over http. */
  readonly allowLoopback: boolean;
  /** For the whole call: connection, request and the answer's body. @default 8000 */
  readonly timeoutMs?: number;
  /** Tests inject one to play a (rebinding) DNS server. @default `dns.lookup` */
  readonly resolve?: Resolver;
}

export interface OutboundRequest {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** The answer, whatever its status: callers decide what a status means. Redirects are answers, never followed. */
export interface OutboundAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** The SSRF guard refused the URL, or an address its host resolved to, before any connection was made. */
export class ForbiddenDestination extends Error {
  override name = 'ForbiddenDestination';
}

/**
 * No usable answer: the host did not resolve, the connection failed or broke, the call ran out of time, or the
 * answer's body grew past {@link MAX_ANSWER_BYTES}.
 */
export class OutboundFailed extends Error {
  override name = 'OutboundFailed';
  constructor(readonly reason: 'cannot resolve' | 'network error' | 'timed out' | 'answer too large') {
    super(reason);
  }
}

/**
 * The most of an answer's body a call reads: the answers we use (a CRM's JSON, a webhook's acknowledgement) are a
 * few kilobytes, and a body held in memory whole must not let a hostile or broken endpoint exhaust the Lambda's.
 */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * A `lookup` for `http.request`/`net.connect` that resolves the host once, refuses the connection if any address
 * is not allowed ({@link isAllowedAddress}), and hands the socket exactly the addresses it checked. Checking in a
 * separate lookup before the request would leave a DNS-rebinding host free to answer a public address to the
 * check and 127.0.0.1 or 169.254.169.254 to the connection; here there is only one answer.
 */
export function guardedLookup(options: { readonly allowLoopback: boolean; readonly resolve?: Resolver }): LookupFunction {
  const resolve = options.resolve ?? systemResolver;
  return (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (answers) => {
        const refused = answers.find((a) => !isAllowedAddress(a.address, options));
        if (refused) return callback(new ForbiddenDestination(`${hostname} resolves to a private address`), '');
        const family = lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : lookupOptions.family;
        const usable = family ? answers.filter((a) => a.family === family) : answers;
        if (usable.length === 0) return callback(new OutboundFailed('cannot resolve'), '');
        if (lookupOptions.all) return callback(null, usable.map((a) => ({ address: a.address, family: a.family })));
        callback(null, usable[0]!.address, usable[0]!.family);
      },
      () => callback(new OutboundFailed('cannot resolve'), ''),
    );
  };
}

/**
 * One HTTP call to a user-configured URL, through the SSRF guard: the URL must pass {@link checkUrl}, and the socket
 * connects only to addresses {@link guardedLookup} checked. https with certificate verification against the host
 * name (SNI), http only to loopback and only when `allowLoopback`. A fresh connection per call (`agent: false`): a
 * pooled socket would carry over an address checked under other options. A body past {@link MAX_ANSWER_BYTES}
 * (announced or streamed) fails the call and closes the connection. Throws {@link ForbiddenDestination} or
 * {@link OutboundFailed}, whose messages carry nothing from the answer (bodies may echo personal data).
 */
export function send(url: string, init: OutboundRequest, options: OutboundHttpOptions): Promise<OutboundAnswer> {
  const verdict = checkUrl(url, options);
  if (!verdict.ok) return Promise.reject(new ForbiddenDestination(`refused outbound URL (${verdict.reason})`));
  const target = verdict.url;
  if (target.protocol !== 'https:' && !(target.protocol === 'http:' && options.allowLoopback)) {
    return Promise.reject(new ForbiddenDestination('refused outbound URL (not https)'));
  }
  const signal = AbortSignal.timeout(options.timeoutMs ?? 8_000);
  const headers: Record<string, string> = { 'user-agent': 'Nurture', ...init.headers };
  if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise<OutboundAnswer>((resolve, reject) => {
    const fail = (error: unknown) => {
      if (error instanceof ForbiddenDestination || error instanceof OutboundFailed) reject(error);
      else reject(new OutboundFailed(signal.aborted ? 'timed out' : 'network error'));
    };
    const req = request(
      {
        protocol: target.protocol,
        hostname: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port || undefined,
        path: `${target.pathname}${target.search}`,
        method: init.method,
        headers,
        agent: false,
        lookup: guardedLookup(options),
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        const tooLarge = () => {
          reject(new OutboundFailed('answer too large'));
          req.destroy();
        };
        if (Number(res.headers['content-length']) > MAX_ANSWER_BYTES) return tooLarge();
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_ANSWER_BYTES) return tooLarge();
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        // A connection that breaks (or times out) halfway through the body closes without an end.
        res.on('close', () => res.complete || fail(undefined));
      },
    );
    req.on('error', fail);
    req.end(init.body);
  });
}
