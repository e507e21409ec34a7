import type { Lead } from './lead';
import { send, type OutboundOptions } from './outbound';
import type { CrmAdapter } from './ports';
import { signedHeaders } from './signatures';

export interface WebhookConfig {
  readonly url: string;
  /** Shared secret for the HMAC-SHA256 signature. */
  readonly secret: string;
}

/** The JSON a generic webhook receives for one hand-off. */
export function webhookPayload(lead: Lead, idempotencyKey: string, at: Date) {
  const { explanation, attributes, ...rest } = lead;
  return { type: 'lead.handed_off', id: idempotencyKey, occurredAt: at.toISOString(), lead: { ...rest, attributes, explanation } };
}

/**
 * Any other CRM (or a Zapier-like tool): a signed JSON POST (`X-Nurture-Timestamp`, `X-Nurture-Signature`,
 * `Idempotency-Key`). The receiver may answer `{ "id": "<its record id>" }`; otherwise our contact id is the id.
 */
export class WebhookCrm implements CrmAdapter {
  readonly provider = 'webhook';

  constructor(
    private readonly config: WebhookConfig,
    private readonly outbound: OutboundOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async upsert(lead: Lead, idempotencyKey: string): Promise<{ crmId: string }> {
    const at = this.now();
    const body = JSON.stringify(webhookPayload(lead, idempotencyKey, at));
    const { body: answer } = await send(
      this.config.url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey, ...signedHeaders(this.config.secret, body, at.getTime()) },
        body,
      },
      this.outbound,
    );
    const id = (answer as { id?: unknown } | undefined)?.id;
    return { crmId: typeof id === 'string' || typeof id === 'number' ? String(id) : lead.contactId };
  }
}
