import { CorruptItem } from '../contacts/contacts';
import type { CountMetric } from './domain/decisions';
import { keys } from '../shared/keys';
import { ReportState } from './domain/report-state';

/** The stored item of a contact's report state. */
export function reportStateItem(contactId: string, state: ReportState): Record<string, unknown> {
  return { ...keys.reportState(contactId), ...state };
}

/** The report state among a contact's state items (the reactor's one Query), parsed; none before its first event. */
export function reportStateOf(items: readonly Record<string, unknown>[]): { reports?: ReportState } {
  const item = items.find((candidate) => candidate.SK === keys.reportState('').SK);
  if (!item) return {};
  const { PK: _pk, SK: _sk, ...rest } = item;
  const parsed = ReportState.safeParse(rest);
  if (!parsed.success) throw new CorruptItem(`${String(item.PK)} REPORTS does not match its schema`);
  return { reports: parsed.data };
}

/** The UpdateItem parameters (no table) of a CountMetric: one `ADD` per counter of the item. */
export function countUpdate(decision: CountMetric) {
  const counts = Object.entries(decision.counts ?? { count: 1 });
  return {
    Key: keys.metric(decision.metric, decision.shard, decision.day),
    UpdateExpression: `ADD ${counts.map((_, i) => `#n${i} :v${i}`).join(', ')}`,
    ExpressionAttributeNames: Object.fromEntries(counts.map(([name], i) => [`#n${i}`, name])),
    ExpressionAttributeValues: Object.fromEntries(counts.map(([, amount], i) => [`:v${i}`, amount])),
  };
}
