import { EventName } from '../shared/events';
import { BadRequest, HttpError, NotFound, annotate, header, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { externalEventId } from '../scoring/domain/derived-id';
import type { Lifecycle } from '../scoring/domain/lifecycle';
import { GenericFeedback, HubSpotDelivery, hubSpotFeedback, type Feedback } from './domain/feedback';
import type { CrmStore } from './ports';
import { verifyHubSpotV3, verifyNurtureSignature } from './signatures';

export interface CrmWebhookDeps {
  readonly store: CrmStore;
  readonly lifecycle: Lifecycle;
  /** HubSpot app client secret (v3 signatures) and our own feedback secret (generic scheme). */
  readonly secrets: () => Promise<{ readonly hubspot?: string; readonly generic?: string }>;
  readonly clock: Clock;
  readonly logger: Logger;
}

class InvalidSignature extends HttpError {
  override name = 'InvalidSignature';
  constructor() {
    super(401, 'invalid_signature', 'The request signature is missing, invalid or too old');
  }
}

function rawBody(event: HttpEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** The URL the caller signed: scheme and host as the caller saw them, path and query as sent. */
function requestUrl(event: HttpEvent): string {
  const proto = header(event, 'x-forwarded-proto') ?? 'https';
  const host = header(event, 'host') ?? event.requestContext.domainName;
  return `${proto}://${host}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new BadRequest('The body is not JSON', 'invalid_json');
  }
}

/**
 * `POST /webhooks/crm/{provider}`: sales' answers from the CRM. `hubspot` takes HubSpot's webhook deliveries
 * (v3-signed arrays of `contact.propertyChange` events, matched to contacts by the stored CRM id); `generic` (and
 * `salesforce`, wired through a flow or middleware) takes our own signed format. Each answer becomes a
 * `crm.feedback` event (deterministic id when the CRM sends an event id), which the reactor turns into a stage.
 * A bad or stale signature is 401; answers about contacts we do not know are counted and ignored.
 */
export const makeCrmWebhook =
  (deps: CrmWebhookDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    const provider = event.pathParameters?.provider ?? '';
    const body = rawBody(event);
    const now = deps.clock.now();
    const secrets = await deps.secrets();
    let feedback: (Feedback & { readonly contactId?: string; readonly email?: string })[];
    let via: string;

    if (provider === 'hubspot') {
      const valid =
        secrets.hubspot !== undefined &&
        verifyHubSpotV3(
          secrets.hubspot,
          {
            method: event.requestContext.http.method,
            url: requestUrl(event),
            body,
            signature: header(event, 'x-hubspot-signature-v3'),
            timestamp: header(event, 'x-hubspot-request-timestamp'),
          },
          now.getTime(),
        );
      if (!valid) throw new InvalidSignature();
      const delivery = HubSpotDelivery.safeParse(parseJson(body));
      if (!delivery.success) throw new BadRequest('Not a HubSpot webhook delivery', 'invalid_payload');
      feedback = hubSpotFeedback(deps.lifecycle, delivery.data);
      via = 'hubspot';
    } else if (provider === 'generic' || provider === 'salesforce') {
      const valid =
        secrets.generic !== undefined &&
        verifyNurtureSignature(
          secrets.generic,
          { body, signature: header(event, 'x-nurture-signature'), timestamp: header(event, 'x-nurture-timestamp') },
          now.getTime(),
        );
      if (!valid) throw new InvalidSignature();
      const parsed = GenericFeedback.safeParse(parseJson(body));
      if (!parsed.success) throw new BadRequest('Not a feedback payload: needs outcome and contactId, crmId or email', 'invalid_payload');
      const f = parsed.data;
      feedback = [
        {
          crmId: f.crmId ?? '',
          outcome: f.outcome,
          status: f.status ?? f.outcome,
          ...(f.id ? { externalId: f.id } : {}),
          ...(f.occurredAt ? { occurredAt: f.occurredAt } : {}),
          ...(f.contactId ? { contactId: f.contactId } : {}),
          ...(f.email ? { email: f.email } : {}),
        },
      ];
      via = provider === 'salesforce' ? 'salesforce' : 'webhook';
    } else {
      throw new NotFound('No such CRM provider');
    }

    let applied = 0;
    let unknown = 0;
    for (const f of feedback) {
      const lookupProvider = via === 'webhook' ? undefined : via;
      const contactId = await deps.store.findContact({
        ...(f.contactId ? { contactId: f.contactId } : {}),
        ...(f.crmId ? { crmId: f.crmId, provider: lookupProvider ?? 'webhook' } : {}),
        ...(f.email ? { email: f.email } : {}),
      });
      if (!contactId) {
        unknown++;
        continue;
      }
      const occurredAt = f.occurredAt ?? now.toISOString();
      const outcome = await deps.store.appendEvent(contactId, {
        ...(f.externalId ? { eventId: externalEventId(Date.parse(occurredAt), `${via}:${f.externalId}`) } : {}),
        type: EventName.CrmFeedback,
        occurredAt,
        data: {
          provider: via,
          outcome: f.outcome,
          ...(f.crmId ? { crmId: f.crmId } : {}),
          status: f.status,
          ...(f.externalId ? { externalId: f.externalId } : {}),
        },
      });
      if (outcome !== 'no-such-contact') applied++;
      annotate(event, { contactId });
    }
    deps.logger.info('crm feedback', { provider: via, received: feedback.length, applied, unknown });
    return json(200, { received: feedback.length, applied, unknown });
  };

export function makeCrmWebhookHandler(deps: CrmWebhookDeps) {
  return httpHandler(makeCrmWebhook(deps), { logger: deps.logger });
}
