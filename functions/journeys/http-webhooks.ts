import { constantTimeEqual, timestampedSignature } from '../shared/hmac';
import { ForbiddenDestination, OutboundFailed, send, type OutboundHttpOptions } from '../shared/outbound-http';
import type { WebhookSender } from './ports';
import { WebhookRejected, WebhookUnavailable } from './journey-step';

/**
 * Posts journey webhooks over `node:https`, signed like Stripe's: `Nurture-Signature: t=<unix seconds>,v1=<hex
 * HMAC-SHA256 of "<t>.<body>">`, so receivers can check origin and freshness. Calls go through the shared SSRF guard
 * (https, and a connection only to the public addresses the host was checked to resolve to, so DNS rebinding cannot
 * reach the metadata service) unless `allowLoopback` (local runtime). A redirect is refused, never followed.
 */
export class HttpWebhooks implements WebhookSender {
  constructor(
    private readonly secret: () => Promise<string>,
    private readonly options: OutboundHttpOptions,
  ) {}

  async post(url: string, body: string, idempotencyKey: string): Promise<{ status: number }> {
    const timestamp = Math.floor(Date.now() / 1_000);
    const signature = timestampedSignature(await this.secret(), timestamp, body);
    const headers = {
      'content-type': 'application/json',
      'idempotency-key': idempotencyKey,
      'nurture-signature': `t=${timestamp},v1=${signature}`,
    };
    let status: number;
    try {
      ({ status } = await send(url, { method: 'POST', headers, body }, this.options));
    } catch (error) {
      if (error instanceof ForbiddenDestination) throw new WebhookRejected(error.message);
      // The path only: a webhook URL's query may carry the receiver's token.
      throw new WebhookUnavailable(`POST ${new URL(url).pathname} failed: ${error instanceof OutboundFailed ? error.reason : 'error'}`);
    }
    if (status >= 300 && status < 400) throw new WebhookRejected(`webhook answered ${status} (redirects are not followed)`);
    return { status };
  }
}

/** Checks a `Nurture-Signature` header (for receivers, and the tests): signature and a 5-minute window. */
export function verifyWebhookSignature(header: string | undefined, body: string, secret: string, now = Date.now()): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((part) => part.split('=') as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isFinite(timestamp) || Math.abs(now / 1_000 - timestamp) > 300) return false;
  return parts.v1 !== undefined && constantTimeEqual(parts.v1, timestampedSignature(secret, timestamp, body));
}
