import type { Contact } from '../../shared/contact';
import type { Decision, Rule } from '../../reactor/domain/decisions';
import type { CountMetric, ReportsState, SaveReportState } from './decisions';
import type { TimelineEvent } from '../../shared/timeline';
import { REPORT_METRICS } from './counters';
import { EVENT_METRICS } from './metrics';
import type { ReportState } from './report-state';

/**
 * The metrics the counting rules write (`countEvents`' `events.<type>` and the report rule's), derived from the
 * rules' own metric names: a rebuild compares and replaces these and no other `METRIC#` item, so counters no
 * timeline holds (the forms' refused-bot counts) survive it.
 */
export const COUNTED_METRICS: ReadonlySet<string> = new Set([...EVENT_METRICS, ...REPORT_METRICS]);

/** The metric and shard of a counter item's partition key (`METRIC#<metric>#<shard>`), or undefined for another item. */
export function metricOfPartition(pk: string): { metric: string; shard: number } | undefined {
  if (!pk.startsWith('METRIC#')) return undefined;
  const shardAt = pk.lastIndexOf('#');
  return { metric: pk.slice('METRIC#'.length, shardAt), shard: Number(pk.slice(shardAt + 1)) };
}

/**
 * Counter items by `metric`, `shard` and `day`, each with its counters (`count` for the plain event counters). As
 * in a CountMetric, `day` is the item's SK: a per-value counter's carries its value too (`metricValueSk`).
 */
export type CounterItems = Map<string, { metric: string; shard: number; day: string; counts: Record<string, number> }>;

export const counterKey = (metric: string, shard: number, day: string) => `${metric}\u0000${shard}\u0000${day}`;

/** Adds one counter increment to `items`. */
export function addCount(items: CounterItems, metric: string, shard: number, day: string, name: string, amount: number): void {
  const key = counterKey(metric, shard, day);
  const item = items.get(key) ?? { metric, shard, day, counts: {} };
  item.counts[name] = (item.counts[name] ?? 0) + amount;
  items.set(key, item);
}

/**
 * Replays one contact's timeline through the counting rules with no database, as the reactor did live, each event
 * seeing the report state the previous one left, adding every CountMetric to `into`. Returns the contact's final
 * report state.
 *
 * Order: the order the reactor processed the events (`processedAt`), then oldest first as `replay` in
 * functions/reactor/domain/decide.ts does. Not `replay` itself: a derived event (`stage.changed`) shares its
 * cause's `occurredAt` and its id may sort before the cause's, while the reactor always saw the cause first, and
 * the report state (first touch, time in stage) depends on that order.
 */
export function rebuildContact(contact: Contact, events: readonly TimelineEvent[], rules: readonly Rule<ReportsState, Decision>[], into: CounterItems): ReportState | undefined {
  let reports: ReportState | undefined;
  const ordered = [...events].sort(
    (a, b) =>
      (a.processedAt ?? a.occurredAt).localeCompare(b.processedAt ?? b.occurredAt) ||
      a.occurredAt.localeCompare(b.occurredAt) ||
      a.eventId.localeCompare(b.eventId),
  );
  for (const event of ordered) {
    const state = { event, contact, ...(reports ? { reports } : {}) };
    for (const decision of rules.flatMap((rule) => rule(state))) {
      if (is<SaveReportState>(decision, 'SaveReportState')) reports = decision.state;
      if (!is<CountMetric>(decision, 'CountMetric')) continue;
      for (const [name, amount] of Object.entries(decision.counts ?? { count: 1 })) {
        addCount(into, decision.metric, decision.shard, decision.day, name, amount);
      }
    }
  }
  return reports;
}

/** Narrows a decision of the composed list (other capabilities' included) to one of the reports' own. */
function is<D extends Decision>(decision: Decision, type: D['type']): decision is D {
  return decision.type === type;
}
