import { EventName } from '../shared/events';
import { BadRequest, HttpError, NotFound, annotate, header, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { externalEventId } from '../scoring/domain/derived-id';
import type { Lifecycle } from '../scoring/domain/lifecycle';
import { GenericFeedback, HubSpotDelivery, hubSpotFeedback, type DealFeedback, type Feedback } from './domain/feedback';
import { describeFailure } from './errors';
import { withRetries, type RetryPolicy } from './outbound';
import type { CrmStore, DealContacts } from './ports';
import { verifyHubSpotV3, verifyNurtureSignature } from './signatures';

export interface CrmWebhookDeps {
  readonly store: CrmStore;
  readonly lifecycle: Lifecycle;
  /** HubSpot app client secret (v3 signatures) and our own feedback secret (generic scheme). */
  readonly secrets: () => Promise<{ readonly hubspot?: string; readonly generic?: string }>;
  /** A HubSpot deal's contacts, for deal feedback (won, lost); undefined when no HubSpot access token is set. */
  readonly dealContacts: () => Promise<DealContacts | undefined>;
  /**
   * Retries of one deal lookup within the request. HubSpot waits about 5 seconds for an answer and redelivers after
   * a 5xx itself (with backoff, for over a day), so these stay short. @default 2 attempts, waits of at most 1 s
   */
  readonly lookupRetry?: RetryPolicy;
  readonly clock: Clock;
  readonly logger: Logger;
}

class InvalidSignature extends HttpError {
  override name = 'InvalidSignature';
  constructor() {
    super(401, 'invalid_signature', 'The request signature is missing, invalid or too old');
  }
}

/** A deal's contacts could not be read: nothing was stored, and the 5xx makes HubSpot deliver the events again. */
class DealLookupFailed extends HttpError {
  override name = 'DealLookupFailed';
  constructor() {
    super(503, 'crm_unavailable', 'The CRM could not tell which contacts the deal belongs to; nothing was stored, please retry');
  }
}

/** Deal lookups run at once, a few at a time: a delivery holds up to 100 events and HubSpot rate-limits per app. */
const LOOKUP_CONCURRENCY = 4;

type Resolved = Feedback & { readonly contactId?: string; readonly email?: string; readonly dealId?: string };

/**
 * Deal feedback as feedback to each contact associated with the deal, matched afterwards by the stored CRM id as
 * contact events are. Every deal is looked up before anything is stored, so a failed lookup leaves the whole
 * delivery to HubSpot's redelivery rather than half of it applied. Deals HubSpot does not know, deals without
 * contacts, and deals that cannot be looked up for want of an access token are counted in `ignored`.
 */
async function contactFeedbackOfDeals(deals: readonly DealFeedback[], deps: CrmWebhookDeps): Promise<{ feedback: Resolved[]; ignored: number }> {
  if (deals.length === 0) return { feedback: [], ignored: 0 };
  const source = await deps.dealContacts();
  if (!source) {
    deps.logger.warn('deal feedback ignored: no HubSpot access token to read the deal\'s contacts', { deals: deals.length });
    return { feedback: [], ignored: deals.length };
  }
  const policy: RetryPolicy = { attempts: 2, maxWaitMs: 1_000, baseDelayMs: 200, ...deps.lookupRetry };
  const ids = [...new Set(deals.map((d) => d.dealId))];
  const contactsOf = new Map<string, readonly string[] | undefined>();
  try {
    for (let i = 0; i < ids.length; i += LOOKUP_CONCURRENCY) {
      await Promise.all(
        ids.slice(i, i + LOOKUP_CONCURRENCY).map(async (id) => contactsOf.set(id, await withRetries(() => source.contactsOfDeal(id), policy))),
      );
    }
  } catch (error) {
    deps.logger.error('deal lookup failed', { error: describeFailure(error), deals: ids.length });
    throw new DealLookupFailed();
  }
  const feedback: Resolved[] = [];
  let ignored = 0;
  for (const deal of deals) {
    const contacts = contactsOf.get(deal.dealId);
    if (!contacts?.length) {
      ignored++;
      continue;
    }
    const { dealId, ...rest } = deal;
    for (const crmId of contacts) feedback.push({ ...rest, crmId, dealId });
  }
  return { feedback, ignored };
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
 * (v3-signed arrays of `contact.propertyChange` events, matched to contacts by the stored CRM id, and
 * `deal.propertyChange` events, given to each contact associated with the deal); `generic` (and `salesforce`,
 * wired through a flow or middleware) takes our own signed format. Each answer becomes a `crm.feedback` event
 * (deterministic id when the CRM sends an event id), which the reactor turns into a stage. A bad or stale signature
 * is 401; answers about contacts we do not know, and deals without contacts, are counted and ignored; a deal lookup
 * that fails is 503 with nothing stored.
 */
export const makeCrmWebhook =
  (deps: CrmWebhookDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    const provider = event.pathParameters?.provider ?? '';
    const body = rawBody(event);
    const now = deps.clock.now();
    const secrets = await deps.secrets();
    let feedback: Resolved[];
    let received: number;
    let dealsIgnored = 0;
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
      const { contacts, deals } = hubSpotFeedback(deps.lifecycle, delivery.data);
      const ofDeals = await contactFeedbackOfDeals(deals, deps);
      feedback = [...contacts, ...ofDeals.feedback];
      received = contacts.length + deals.length;
      dealsIgnored = ofDeals.ignored;
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
      received = 1;
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
          ...(f.dealId ? { dealId: f.dealId } : {}),
        },
      });
      if (outcome !== 'no-such-contact') applied++;
      annotate(event, { contactId });
    }
    deps.logger.info('crm feedback', { provider: via, received, applied, unknown, dealsIgnored });
    return json(200, { received, applied, unknown, dealsIgnored });
  };

export function makeCrmWebhookHandler(deps: CrmWebhookDeps) {
  return httpHandler(makeCrmWebhook(deps), { logger: deps.logger });
}
