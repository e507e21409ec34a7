import * as z from 'zod';
import { EventName } from './events';
import { UTM_KEYS } from './values';

/**
 * The timeline: every input becomes one event appended to a contact's timeline. This module is the one place
 * an event type's shape is declared; writers build events with these types and readers (the contacts API, the
 * reactor, replays) parse stored items back with these schemas rather than casting them.
 *
 * Stored forever: an event's `type` and its data's field names are never renamed. A new event type is a new
 * member of {@link TimelineEvent}; a new optional field is safe; anything else is a new type.
 */

export const FieldValueSchema = z.union([z.string(), z.number(), z.boolean()]);
export const UtmSchema = z.partialRecord(z.enum(UTM_KEYS), z.string());

/** `form.submitted`: one accepted post of a form. */
export const FormSubmittedData = z.object({
  formId: z.string().min(1),
  /** Declared fields that carried a value, email included, after the form's rules. */
  fields: z.record(z.string(), FieldValueSchema),
  utm: UtmSchema,
  referrer: z.string().optional(),
  userAgent: z.string().optional(),
  ip: z.string().optional(),
});
export type FormSubmittedData = z.infer<typeof FormSubmittedData>;

/** `event.tracked`: a named event with properties (Segment `track`), e.g. `order_completed`. */
export const TrackedData = z.object({
  /** The event's name as the site sends it: `checkout_started`, `demo_booked`, `webinar_attended`, … */
  event: z.string().min(1).max(200),
  properties: z.record(z.string(), z.unknown()).default({}),
  /** Where it came from: `track` API, a form, the CRM, a journey step. */
  source: z.string().max(100).optional(),
  messageId: z.string().max(200).optional(),
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
});
export type PageViewedData = z.infer<typeof PageViewedData>;

/** What every event carries besides its type and data. */
const envelope = {
  /** A ULID (or a deterministic id for events derived from an external id): sorts by time. */
  eventId: z.string().min(1),
  contactId: z.string().min(1),
  occurredAt: z.iso.datetime(),
  /** Set once by the reactor when it has applied the rules to this event. */
  processedAt: z.iso.datetime().optional(),
};

const FormSubmitted = z.object({ ...envelope, type: z.literal(EventName.FormSubmitted), data: FormSubmittedData });
const Tracked = z.object({ ...envelope, type: z.literal(EventName.Tracked), data: TrackedData });
const PageViewed = z.object({ ...envelope, type: z.literal(EventName.PageViewed), data: PageViewedData });

/** One entry of a contact's timeline, discriminated by `type`. Each capability adds its event types here. */
export const TimelineEvent = z.discriminatedUnion('type', [FormSubmitted, Tracked, PageViewed]);
export type TimelineEvent = z.infer<typeof TimelineEvent>;

/** The event of one type. */
export type EventOf<T extends TimelineEvent['type']> = Extract<TimelineEvent, { type: T }>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * An event before it is appended: the store assigns the contact and, unless the writer passes one, the id.
 * A writer passes a deterministic `eventId` when the same fact may be reported twice (a provider's message id),
 * so the second append is recognised instead of duplicated.
 */
export type NewTimelineEvent = DistributiveOmit<TimelineEvent, 'eventId' | 'contactId' | 'processedAt'> & {
  readonly eventId?: string;
};

/** Parses a stored item (keys and all) back into an event; undefined when it is not one this code knows. */
export function parseTimelineItem(item: Record<string, unknown>): TimelineEvent | undefined {
  const parsed = TimelineEvent.safeParse(item);
  return parsed.success ? parsed.data : undefined;
}
