import { createHmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { checkUrl, isPublicAddress } from '../crm/domain/ssrf';
import type { WebhookSender } from './ports';
import { WebhookRejected, WebhookUnavailable } from './journey-step';

/**
 * Posts journey webhooks with plain `fetch`, signed like Stripe's: `Nurture-Signature: t=<unix seconds>,v1=<hex
 * HMAC-SHA256 of "<t>.<body>">`, so receivers can check origin and freshness. URLs pass the SSRF guard (https,
 * no private or loopback addresses, including what the host resolves to) unless `allowLoopback` (local runtime).
 */
export class HttpWebhooks implements WebhookSender {
  constructor(
    private readonly secret: () => Promise<string>,
    private readonly options: { readonly allowLoopback: boolean; readonly timeoutMs?: number },
  ) {}

  async post(url: string, body: string, idempotencyKey: string): Promise<{ status: number }> {
    const verdict = checkUrl(url, this.options);
    if (!verdict.ok) throw new WebhookRejected(`refused webhook URL (${verdict.reason})`);
    if (!this.options.allowLoopback) {
      const host = verdict.url.hostname.replace(/^\[|\]$/g, '');
      const addresses = await lookup(host, { all: true }).catch(() => {
        throw new WebhookUnavailable(`cannot resolve ${host}`);
      });
      if (addresses.some((a) => !isPublicAddress(a.address))) throw new WebhookRejected(`${host} resolves to a private address`);
    }
    const timestamp = Math.floor(Date.now() / 1_000);
    const signature = createHmac('sha256', await this.secret()).update(`${timestamp}.${body}`).digest('hex');
    try {
      const response = await fetch(verdict.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
          'nurture-signature': `t=${timestamp},v1=${signature}`,
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 8_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      return { status: response.status };
    } catch (error) {
      throw new WebhookUnavailable(`POST ${verdict.url.pathname} failed: ${error instanceof Error ? error.name : 'error'}`);
    }
  }
}

/** Checks a `Nurture-Signature` header (for receivers, and the tests): signature and a 5-minute window. */
export function verifyWebhookSignature(header: string | undefined, body: string, secret: string, now = Date.now()): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((part) => part.split('=') as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isFinite(timestamp) || Math.abs(now / 1_000 - timestamp) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return parts.v1 === expected;
}
