import { EventName } from '../../shared/events';
import { bucketOf } from '../../shared/hash';
import type { ReactorState } from '../../reactor/domain/decisions';
import type { CountMetric } from './decisions';

/**
 * Shards of a counter that every event of a type writes. One item per day would take every write of that type in
 * one partition; spread over shards (chosen by a hash of the event id, so a replay lands in the same shard), a
 * reader sums `shards` items per day instead.
 */
export const EVENT_COUNTER_SHARDS = 4;

/** The metric every event of a type counts towards. */
export const eventMetric = (type: string) => `events.${type}`;

/** Every metric {@link countEvents} writes: one per event name. */
export const EVENT_METRICS: ReadonlySet<string> = new Set(Object.values(EventName).map(eventMetric));

/**
 * Every event counts once towards its type's daily counter, under the UTC day it occurred, so reports read a
 * handful of items per day instead of scanning timelines.
 */
export function countEvents({ event }: ReactorState): CountMetric[] {
  return [
    {
      type: 'CountMetric',
      metric: eventMetric(event.type),
      day: event.occurredAt.slice(0, 10),
      shard: bucketOf(event.eventId, EVENT_COUNTER_SHARDS),
    },
  ];
}

/**
 * Totals of the plain (+1, `events.*`) CountMetric decisions by `metric` and `day`, shards summed: what the live
 * event counters must add up to. Report counters (with `counts`) need the report state threaded through a replay:
 * see functions/reports/domain/rebuild.ts.
 */
export function tally(decisions: readonly { type: string }[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const decision of decisions) {
    if (decision.type !== 'CountMetric') continue;
    const { metric, day, counts } = decision as CountMetric;
    if (counts) continue;
    const key = `${metric} ${day}`;
    totals.set(key, (totals.get(key) ?? 0) + 1);
  }
  return totals;
}
