import * as z from 'zod';
import { eventGroups } from './event-groups';

/**
 * The timeline: every input becomes one event appended to a contact's timeline. Each capability declares its own
 * event types in `functions/<capability>/events.ts` (with `functions/shared/event-envelope.ts`); this module
 * composes them into the one union that writers build events with and readers (the contacts API, the reactor,
 * replays) parse stored items back with, rather than casting them.
 *
 * Stored forever: an event's `type` and its data's field names are never renamed. A new event type is a new
 * member of its capability's group; a new optional field is safe; anything else is a new type.
 */

/** One entry of a contact's timeline, discriminated by `type`. Composed from `eventGroups` (shared/event-groups.ts). */
type Member = (typeof eventGroups)[number]['schemas'][number];
export const TimelineEvent = z.discriminatedUnion('type', eventGroups.flatMap((group): readonly Member[] => group.schemas) as [Member, ...Member[]]);
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
