import * as z from 'zod';
import { FieldValueSchema, event, eventGroup } from '../shared/event-envelope';

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

/** The tracking API's events. Stored forever in contacts' timelines: never rename one, add a new one. */
export const trackingEventGroup = eventGroup({
  /** A named event from a site or backend (Segment `track`): `checkout_started`, `order_completed`, … */
  Tracked: event('event.tracked', TrackedData),
  /** A page view (Segment `page`). */
  PageViewed: event('page.viewed', PageViewedData),
  /** A Segment `identify`: traits set on the profile (functions/tracking). */
  Identified: event('contact.identified', IdentifiedData),
});
export const trackingEventNames = trackingEventGroup.names;
/** The tracking API's events. */
export const trackingEvents = trackingEventGroup.schemas;
