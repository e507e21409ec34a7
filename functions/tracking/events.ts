import * as z from 'zod';
import { FieldValueSchema, timelineEventSchema } from '../shared/event-envelope';

/** The tracking API's event names. Stored forever in contacts' timelines: never rename one, add a new one. */
export const trackingEventNames = {
  /** A named event from a site or backend (Segment `track`): `checkout_started`, `order_completed`, … */
  Tracked: 'event.tracked',
  /** A page view (Segment `page`). */
  PageViewed: 'page.viewed',
  /** A Segment `identify`: traits set on the profile (functions/tracking). */
  Identified: 'contact.identified',
} as const;

/**
 * Where a tracked message happened, from Segment's `context`: only the fields reports read (page, referrer,
 * campaign, user agent, IP, locale), each text value capped, so a client cannot grow the item.
 */
export const TrackingContext = z.object({
  page: z
    .object({
      url: z.string().max(2_000).optional(),
      path: z.string().max(2_000).optional(),
      referrer: z.string().max(2_000).optional(),
      search: z.string().max(2_000).optional(),
      title: z.string().max(500).optional(),
    })
    .optional(),
  referrer: z
    .object({ type: z.string().max(200).optional(), name: z.string().max(200).optional(), url: z.string().max(2_000).optional(), link: z.string().max(2_000).optional() })
    .optional(),
  /** UTM parameters as Segment names them (`name` is utm_campaign). */
  campaign: z
    .object({
      name: z.string().max(200).optional(),
      source: z.string().max(200).optional(),
      medium: z.string().max(200).optional(),
      term: z.string().max(200).optional(),
      content: z.string().max(200).optional(),
    })
    .optional(),
  userAgent: z.string().max(500).optional(),
  ip: z.string().max(64).optional(),
  locale: z.string().max(35).optional(),
});
export type TrackingContext = z.infer<typeof TrackingContext>;

/** `event.tracked`: a named event with properties (Segment `track`), e.g. `order_completed`. */
export const TrackedData = z.object({
  /** The event's name as the site sends it: `checkout_started`, `demo_booked`, `webinar_attended`, … */
  event: z.string().min(1).max(200),
  properties: z.record(z.string(), z.unknown()).default({}),
  /** Where it came from: `track` API, a form, the CRM, a journey step. */
  source: z.string().max(100).optional(),
  messageId: z.string().max(200).optional(),
  context: TrackingContext.optional(),
});
export type TrackedData = z.infer<typeof TrackedData>;

/** `page.viewed`: one page view (Segment `page`). */
export const PageViewedData = z.object({
  url: z.string().max(2_000),
  path: z.string().max(2_000).optional(),
  title: z.string().max(500).optional(),
  name: z.string().max(200).optional(),
  referrer: z.string().max(2_000).optional(),
  messageId: z.string().max(200).optional(),
  context: TrackingContext.optional(),
});
export type PageViewedData = z.infer<typeof PageViewedData>;

/** `contact.identified`: a Segment `identify`; `traits` are the profile attributes it set (snake_case names). */
export const IdentifiedData = z.object({
  traits: z.record(z.string(), FieldValueSchema),
  /** Traits that were not text, numbers or booleans (objects, lists): dropped, only counted. */
  droppedTraits: z.number().int().min(0).optional(),
  userId: z.string().max(200).optional(),
  messageId: z.string().max(200).optional(),
  context: TrackingContext.optional(),
});
export type IdentifiedData = z.infer<typeof IdentifiedData>;

/** The tracking API's events. */
export const trackingEvents = [
  timelineEventSchema(trackingEventNames.Tracked, TrackedData),
  timelineEventSchema(trackingEventNames.PageViewed, PageViewedData),
  timelineEventSchema(trackingEventNames.Identified, IdentifiedData),
] as const;
