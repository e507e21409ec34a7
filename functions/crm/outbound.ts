import { setTimeout as sleep } from 'node:timers/promises';
import { ForbiddenDestination, OutboundFailed, send as sendGuarded, type OutboundHttpOptions } from '../shared/outbound-http';
import { CrmRejected, CrmUnavailable, ForbiddenCrmUrl } from './errors';

/** `allowLoopback` (the local receiver), `timeoutMs` (default 8000) and, for tests, the `resolve` the guard uses. */
export type OutboundOptions = OutboundHttpOptions;

export interface OutboundResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * One HTTP call to a CRM over `node:https` (no vendor SDK: the HubSpot and Salesforce SDKs would add hundreds of
 * kilobytes to the bundle for three endpoints), through the shared SSRF guard: the URL is checked, and the socket
 * connects only to the addresses that were checked, so a rebinding host cannot slip a private address in between
 * ({@link ForbiddenCrmUrl}). 429, 5xx, timeouts and network errors throw {@link CrmUnavailable} (with Retry-After);
 * any other non-2xx, a redirect included (never followed), throws {@link CrmRejected}. Response bodies never reach
 * error messages: they may echo personal data.
 */
export async function send(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  options: OutboundOptions,
): Promise<OutboundResponse> {
  const path = pathOf(url);
  let response;
  try {
    response = await sendGuarded(url, init, options);
  } catch (error) {
    if (error instanceof ForbiddenDestination) throw new ForbiddenCrmUrl(error.message);
    if (error instanceof OutboundFailed && error.reason === 'cannot resolve') throw new CrmUnavailable(`cannot resolve ${hostOf(url)}`);
    const reason = error instanceof OutboundFailed ? error.reason : 'network error';
    throw new CrmUnavailable(`${init.method} ${path} ${reason}`);
  }
  const { status, text } = response;
  if (status === 429 || status >= 500) {
    throw new CrmUnavailable(`${init.method} ${path} answered ${status}`, status, retryAfterMs(headerValue(response.headers['retry-after'])));
  }
  if (status < 200 || status >= 300) throw new CrmRejected(`${init.method} ${path} answered ${status}`, status);
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status, body };
}

/** The URL's path for error messages (never its query: it may carry an id or a token). */
function pathOf(url: string): string {
  return URL.canParse(url) ? new URL(url).pathname : '';
}

function hostOf(url: string): string {
  return URL.canParse(url) ? new URL(url).hostname.replace(/^\[|\]$/g, '') : '';
}

function headerValue(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

/** Retry-After in milliseconds: seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1_000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface RetryPolicy {
  /** Tries in this invocation, the first included. @default 3 */
  readonly attempts?: number;
  /** A Retry-After longer than this is left to the caller's own retry (Step Functions, the queue). @default 5000 */
  readonly maxWaitMs?: number;
  /** @default 250 */
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<unknown>;
}

/**
 * Retries {@link CrmUnavailable} a few times within one invocation, waiting what the CRM's Retry-After asks (or an
 * exponential backoff with jitter); beyond `maxWaitMs`, or after the last try, it throws for the outer retry.
 */
export async function withRetries<T>(call: () => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const attempts = policy.attempts ?? 3;
  const wait = policy.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof CrmUnavailable) || attempt >= attempts) throw error;
      const backoff = (policy.baseDelayMs ?? 250) * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      const delay = error.retryAfterMs ?? backoff;
      if (delay > (policy.maxWaitMs ?? 5_000)) throw error;
      await wait(delay);
    }
  }
}

/** Tells {@link CrmRejected} apart for callers that must not retry. */
export const isPermanent = (error: unknown) => error instanceof CrmRejected || error instanceof ForbiddenCrmUrl;
