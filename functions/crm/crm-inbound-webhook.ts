import { EventName } from '../shared/events';
import { BadRequest, HttpError, NotFound, annotate, header, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { externalEventId } from '../scoring/domain/derived-id';
import type { Lifecycle } from '../shared/lifecycle';
import { GenericFeedback, HubSpotDelivery, hubSpotFeedback, type DealFeedback, type Feedback } from './domain/feedback';
import { CrmRejected, CrmUnavailable, ForbiddenCrmUrl, describeFailure } from './errors';
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
  /**
   * The API's public base URL (`PUBLIC_BASE_URL`): the scheme and host HubSpot called, which its v3 signature
   * covers. Never rebuilt from `Host` or `X-Forwarded-Proto`, which the caller sets.
   */
  readonly publicUrl: string;
}

class InvalidSignature extends HttpError {
  override name = 'InvalidSignature';
  constructor() {
    super(401, 'invalid_signature', 'The request signature is missing, invalid or too old');
  }
}

/**
 * A deal's contacts could not be read for now (429, 5xx, a timeout, a network error): the deal events were not
 * stored, and the 5xx makes HubSpot deliver the events again. Contact events with ids a redelivery recognises were.
 */
class DealLookupFailed extends HttpError {
  override name = 'DealLookupFailed';
  constructor() {
    super(503, 'crm_unavailable', 'The CRM could not tell which contacts the deal belongs to; the deal events were not stored, please retry');
  }
}

/** Deal lookups run at once, a few at a time: a delivery holds up to 100 events and HubSpot rate-limits per app. */
const LOOKUP_CONCURRENCY = 4;

type Resolved = Feedback & { readonly contactId?: string; readonly email?: string; readonly dealId?: string };

/** What became of a delivery's deal events: their contacts' feedback, or a transient failure to retry later. */
type DealsResolved =
  | { readonly type: 'Resolved'; readonly feedback: Resolved[]; readonly ignored: number }
  | { readonly type: 'Unavailable' };

/** Refusals that say the same of every deal (our token, its scopes, the URL): no point asking about the others. */
const refusesEveryDeal = (error: unknown) => error instanceof ForbiddenCrmUrl || (error instanceof CrmRejected && (error.status === 401 || error.status === 403));

/**
 * Deal feedback as feedback to each contact associated with the deal, matched afterwards by the stored CRM id as
 * contact events are. Deals HubSpot does not know, deals without contacts, deals that cannot be looked up for want
 * of an access token, and deals HubSpot refuses to tell about for good (`CrmRejected`: e.g. a 403 for a private app
 * without the `crm.objects.deals.read` scope; `ForbiddenCrmUrl`) are counted in `ignored`: a redelivery would be
 * refused the same, and a 503 would hold the delivery's contact events back with them until HubSpot gives up. A
 * transient failure (`CrmUnavailable` after the retries) is `Unavailable`, and no further lookup is started.
 */
async function contactFeedbackOfDeals(deals: readonly DealFeedback[], deps: CrmWebhookDeps): Promise<DealsResolved> {
  if (deals.length === 0) return { type: 'Resolved', feedback: [], ignored: 0 };
  const source = await deps.dealContacts();
  if (!source) {
    deps.logger.warn('deal feedback ignored: no HubSpot access token to read the deal\'s contacts', { deals: deals.length });
    return { type: 'Resolved', feedback: [], ignored: deals.length };
  }
  const policy: RetryPolicy = { attempts: 2, maxWaitMs: 1_000, baseDelayMs: 200, ...deps.lookupRetry };
  const ids = [...new Set(deals.map((d) => d.dealId))];
  const contactsOf = new Map<string, readonly string[] | undefined>();
  const failures: Error[] = [];
  const stop = () => failures.some((e) => e instanceof CrmUnavailable || refusesEveryDeal(e));
  for (let i = 0; i < ids.length && !stop(); i += LOOKUP_CONCURRENCY) {
    const batch = await Promise.all(
      ids.slice(i, i + LOOKUP_CONCURRENCY).map(async (id) => {
        try {
          contactsOf.set(id, await withRetries(() => source.contactsOfDeal(id), policy));
          return undefined;
        } catch (error) {
          if (error instanceof CrmUnavailable || error instanceof CrmRejected || error instanceof ForbiddenCrmUrl) return error;
          throw error;
        }
      }),
    );
    failures.push(...batch.filter((e) => e !== undefined));
  }
  const unavailable = failures.find((e) => e instanceof CrmUnavailable);
  if (unavailable) {
    deps.logger.error('deal lookup failed', { error: describeFailure(unavailable), deals: ids.length });
    return { type: 'Unavailable' };
  }
  const refused = failures.find(refusesEveryDeal) ?? failures[0];
  if (refused) {
    // The cause only (error name, status, method and path), never what HubSpot answered.
    deps.logger.error('deal feedback ignored: the CRM refused the deal lookup', {
      error: describeFailure(refused),
      ...(refused instanceof CrmRejected && refused.status === 403 ? { hint: 'the HubSpot private app needs the crm.objects.deals.read scope' } : {}),
      deals: ids.length,
      unread: ids.length - contactsOf.size,
    });
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
  return { type: 'Resolved', feedback, ignored };
}

/**
 * Whether a redelivery of this feedback would be recognised: its event id derives from the CRM's event id and the
 * time the CRM says it happened. Without either, the id would be new each time (it falls back to now).
 */
const redeliverySafe = (f: Resolved) => f.externalId !== undefined && f.occurredAt !== undefined;

/** A CRM's webhook delivery batches up to 100 events (HubSpot), each a few hundred bytes. */
const MAX_WEBHOOK_BYTES = 256 * 1024;

function rawBody(event: HttpEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** The URL the caller signed: the API's configured origin, path and query as sent. */
function requestUrl(event: HttpEvent, publicUrl: string): string {
  return `${new URL(publicUrl).origin}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new BadRequest('The body is not JSON', 'invalid_json');
  }
}

/**
 * Each answer as a `crm.feedback` event on the contact it is about; answers about contacts we do not know are
 * counted in `unknown`. With the CRM's event id, the event id is derived from it (and the time the CRM gives), so a
 * redelivered answer is found already stored and written once.
 */
async function applyFeedback(
  feedback: readonly Resolved[],
  via: string,
  now: Date,
  event: HttpEvent,
  deps: CrmWebhookDeps,
): Promise<{ applied: number; unknown: number }> {
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
  return { applied, unknown };
}

/**
 * `POST /webhooks/crm/{provider}`: sales' answers from the CRM. `hubspot` takes HubSpot's webhook deliveries
 * (v3-signed arrays of `contact.propertyChange` events, matched to contacts by the stored CRM id, and
 * `deal.propertyChange` events, given to each contact associated with the deal); `generic` (and `salesforce`,
 * wired through a flow or middleware) takes our own signed format. Each answer becomes a `crm.feedback` event
 * (deterministic id when the CRM sends an event id), which the reactor turns into a stage. A bad or stale signature
 * is 401; answers about contacts we do not know, deals without contacts and deals HubSpot refuses to tell about are
 * counted and ignored; a deal lookup that fails for now is 503, with only the contact events a redelivery will
 * recognise stored.
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
            url: requestUrl(event, deps.publicUrl),
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
      received = contacts.length + deals.length;
      via = 'hubspot';
      if (ofDeals.type === 'Unavailable') {
        // HubSpot delivers the whole batch again after the 503. The contact events whose ids it will recognise are
        // stored now (the redelivery finds them already there), so a deal lookup that keeps failing never costs
        // them; the deal events, and any contact event without an event id or time, wait for the redelivery.
        const storedNow = contacts.filter(redeliverySafe);
        const { applied, unknown } = await applyFeedback(storedNow, via, now, event, deps);
        deps.logger.info('crm feedback', { provider: via, received, applied, unknown, heldBack: received - storedNow.length });
        throw new DealLookupFailed();
      }
      feedback = [...contacts, ...ofDeals.feedback];
      dealsIgnored = ofDeals.ignored;
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

    const { applied, unknown } = await applyFeedback(feedback, via, now, event, deps);
    deps.logger.info('crm feedback', { provider: via, received, applied, unknown, dealsIgnored });
    return json(200, { received, applied, unknown, dealsIgnored });
  };

export function makeCrmWebhookHandler(deps: CrmWebhookDeps) {
  return httpHandler(makeCrmWebhook(deps), { logger: deps.logger, maxBodyBytes: MAX_WEBHOOK_BYTES });
}
