import { lookup } from 'node:dns/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkUrl, isPublicAddress } from './domain/ssrf';
import { CrmRejected, CrmUnavailable, ForbiddenCrmUrl } from './errors';

export interface OutboundOptions {
  /** Locally only: the local receiver listens on loopback over http. */
  readonly allowLoopback: boolean;
  /** @default 8000 */
  readonly timeoutMs?: number;
}

export interface OutboundResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * One HTTP call to a CRM with plain `fetch` (no vendor SDK: the HubSpot and Salesforce SDKs would add hundreds of
 * kilobytes to the bundle for three endpoints). The URL passes the SSRF guard first, including the addresses its
 * host resolves to; 429, 5xx, timeouts and network errors throw {@link CrmUnavailable} (with Retry-After), any
 * other non-2xx throws {@link CrmRejected}. Response bodies never reach error messages: they may echo personal data.
 */
export async function send(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  options: OutboundOptions,
): Promise<OutboundResponse> {
  const verdict = checkUrl(url, options);
  if (!verdict.ok) throw new ForbiddenCrmUrl(`refused outbound URL (${verdict.reason})`);
  const host = verdict.url.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowLoopback) {
    const addresses = await lookup(host, { all: true }).catch(() => {
      throw new CrmUnavailable(`cannot resolve ${host}`);
    });
    if (addresses.some((a) => !isPublicAddress(a.address))) throw new ForbiddenCrmUrl(`${host} resolves to a private address`);
  }
  let response: Response;
  try {
    response = await fetch(verdict.url, { ...init, redirect: 'error', signal: AbortSignal.timeout(options.timeoutMs ?? 8_000) });
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'network error';
    throw new CrmUnavailable(`${init.method} ${verdict.url.pathname} ${reason}`);
  }
  const text = await response.text().catch(() => '');
  if (response.status === 429 || response.status >= 500) {
    throw new CrmUnavailable(`${init.method} ${verdict.url.pathname} answered ${response.status}`, response.status, retryAfterMs(response.headers.get('retry-after')));
  }
  if (!response.ok) throw new CrmRejected(`${init.method} ${verdict.url.pathname} answered ${response.status}`, response.status);
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: response.status, body };
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
