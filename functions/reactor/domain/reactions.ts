import type { EventName } from '../../shared/events';

/** What the reactor needs to know of a timeline event. */
export interface ObservedEvent {
  readonly contactId: string;
  readonly eventId: string;
  readonly type: EventName;
  readonly occurredAt: string;
}

/** An effect a new event causes. Later rules (scoring, stages, journeys) add variants here. */
export type Reaction = { readonly type: 'CountMetric'; readonly day: string; readonly metric: string };

/**
 * The rules: every event counts once towards its type's daily counter, keyed by the day it occurred (UTC), so
 * reports read one item per day instead of scanning timelines.
 */
export function reactionsTo(event: ObservedEvent): Reaction[] {
  return [{ type: 'CountMetric', day: event.occurredAt.slice(0, 10), metric: `events.${event.type}` }];
}
