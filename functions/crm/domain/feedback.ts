import * as z from 'zod';
import type { FeedbackOutcome, Lifecycle } from '../../shared/lifecycle';
import { FeedbackOutcome as Outcome } from '../../shared/lifecycle';
import { hasInvisibleCharacters, singleLine } from '../../shared/field-values';

/** Text a CRM sends that is stored on the timeline: cleaned as every stored text is. */
const storedText = z.string().transform(singleLine);

/**
 * One event of a HubSpot webhook delivery (a delivery is a JSON array of up to 100 of these). Only the fields we
 * use are checked; HubSpot adds fields over time.
 */
export const HubSpotWebhookEvent = z.looseObject({
  eventId: z.union([z.number(), z.string()]).optional(),
  subscriptionType: z.string(),
  objectId: z.union([z.number(), z.string()]).transform(String),
  propertyName: storedText.optional(),
  propertyValue: storedText.optional(),
  occurredAt: z.number().optional(),
});
export type HubSpotWebhookEvent = z.infer<typeof HubSpotWebhookEvent>;
export const HubSpotDelivery = z.array(HubSpotWebhookEvent).max(1000);

export interface Feedback {
  readonly crmId: string;
  readonly outcome: FeedbackOutcome;
  /** The CRM's own value, `property=value`. */
  readonly status: string;
  readonly externalId?: string;
  readonly occurredAt?: string;
}

/** Feedback about a HubSpot deal: it reaches our contacts through the deal's associated contacts. */
export interface DealFeedback {
  readonly dealId: string;
  readonly outcome: FeedbackOutcome;
  /** The CRM's own value, `property=value` (e.g. `dealstage=closedlost`). */
  readonly status: string;
  readonly externalId?: string;
  readonly occurredAt?: string;
}

export interface HubSpotFeedback {
  /** From `contact.propertyChange`: `crmId` is the contact's record id. */
  readonly contacts: Feedback[];
  /** From `deal.propertyChange`: the contacts are those associated with the deal, looked up in HubSpot. */
  readonly deals: DealFeedback[];
}

/**
 * The feedback a HubSpot delivery carries: `contact.propertyChange` events on the properties content/lifecycle.yaml
 * maps in `hubspotFeedback` (`lifecyclestage`, `hs_lead_status`) and `deal.propertyChange` events on those it maps
 * in `hubspotDealFeedback` (`dealstage` won or lost); every other event is ignored.
 */
export function hubSpotFeedback(lifecycle: Lifecycle, events: readonly HubSpotWebhookEvent[]): HubSpotFeedback {
  const contacts: Feedback[] = [];
  const deals: DealFeedback[] = [];
  for (const event of events) {
    if (!event.propertyName || event.propertyValue === undefined) continue;
    const map =
      event.subscriptionType === 'contact.propertyChange'
        ? lifecycle.hubspotFeedback
        : event.subscriptionType === 'deal.propertyChange'
          ? lifecycle.hubspotDealFeedback
          : undefined;
    const outcome = map?.[event.propertyName]?.[event.propertyValue];
    if (!outcome) continue;
    const common = {
      outcome,
      status: `${event.propertyName}=${event.propertyValue}`,
      ...(event.eventId !== undefined ? { externalId: String(event.eventId) } : {}),
      ...(event.occurredAt !== undefined ? { occurredAt: new Date(event.occurredAt).toISOString() } : {}),
    };
    if (event.subscriptionType === 'deal.propertyChange') deals.push({ dealId: event.objectId, ...common });
    else contacts.push({ crmId: event.objectId, ...common });
  }
  return { contacts, deals };
}

/** Our own feedback format (generic signed webhook, and any CRM wired through Zapier-like tools). */
export const GenericFeedback = z
  .strictObject({
    /** One of: our contact id, the CRM id we stored, or the email. */
    contactId: z.string().min(1).max(100).optional(),
    crmId: z.string().min(1).max(100).optional(),
    email: z.string().min(3).max(254).optional(),
    outcome: Outcome,
    status: storedText.pipe(z.string().max(200)).optional(),
    id: z.string().max(200).refine((id) => !hasInvisibleCharacters(id), 'must not contain control or invisible characters').optional(),
    occurredAt: z.iso.datetime().optional(),
  })
  .refine((f) => f.contactId || f.crmId || f.email, { message: 'needs contactId, crmId or email' });
export type GenericFeedback = z.infer<typeof GenericFeedback>;
