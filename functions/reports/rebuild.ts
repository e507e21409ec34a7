import { BatchWriteCommand, paginateScan, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Contact } from '../shared/contact';
import { parseContact } from '../contacts/dynamo-contacts';
import type { Rule } from '../reactor/domain/decisions';
import { EVENT_PREFIX, keys } from '../shared/keys';
import { parseTimelineItem, type TimelineEvent } from '../shared/timeline';
import { COUNTED_METRICS, counterKey, metricOfPartition, rebuildContact, type CounterItems } from './domain/rebuild';
import type { ReportState } from './domain/report-state';
import { reportStateItem } from './dynamo-report-state';

export interface RebuildResult {
  readonly contacts: number;
  readonly events: number;
  readonly counters: CounterItems;
  readonly states: Map<string, ReportState>;
}

/**
 * Recomputes every counter from the timelines: reads the whole table once (offline only: this is the one place a
 * report job scans contacts), replays each contact's timeline through the counting rules, and returns the counter
 * items and report states it arrives at. `write` then replaces the stored ones.
 */
export async function rebuildFromTable(db: DynamoDBDocumentClient, tableName: string, rules: readonly Rule[]): Promise<RebuildResult & { existing: Record<string, unknown>[] }> {
  const profiles = new Map<string, Contact>();
  const timelines = new Map<string, TimelineEvent[]>();
  const existing: Record<string, unknown>[] = [];
  let events = 0;
  await scanAll(db, tableName, (item) => {
    const pk = String(item.PK);
    const sk = String(item.SK);
    if (isCounted(pk) || (pk.startsWith('CONTACT#') && sk === keys.reportState('').SK)) existing.push({ PK: pk, SK: sk, ...item });
    if (!pk.startsWith('CONTACT#')) return;
    if (sk === 'PROFILE') profiles.set(pk, parseContact(item));
    else if (sk.startsWith(EVENT_PREFIX)) {
      const event = parseTimelineItem(item);
      if (!event) return;
      events++;
      timelines.set(pk, [...(timelines.get(pk) ?? []), event]);
    }
  });
  const counters: CounterItems = new Map();
  const states = new Map<string, ReportState>();
  for (const [pk, contact] of profiles) {
    const state = rebuildContact(contact, timelines.get(pk) ?? [], rules, counters);
    if (state) states.set(contact.contactId, state);
  }
  return { contacts: profiles.size, events, counters, states, existing };
}

/** A counter item the counting rules write (see {@link COUNTED_METRICS}). */
const isCounted = (pk: string): boolean => COUNTED_METRICS.has(metricOfPartition(pk)?.metric ?? '');

/**
 * Every stored counter item the counting rules write, as `CounterItems`, zero counters left out (an ADD of -1
 * leaves a 0). Other `METRIC#` items (refused bots) are no rebuild's business and are left out.
 */
export function storedCounters(items: readonly Record<string, unknown>[]): CounterItems {
  const counters: CounterItems = new Map();
  for (const item of items) {
    const pk = String(item.PK);
    if (!isCounted(pk)) continue;
    const { metric, shard } = metricOfPartition(pk)!;
    const counts = Object.fromEntries(Object.entries(item).filter(([name, value]) => name !== 'PK' && name !== 'SK' && typeof value === 'number' && value !== 0)) as Record<string, number>;
    if (Object.keys(counts).length) counters.set(counterKey(metric, shard, String(item.SK)), { metric, shard, day: String(item.SK), counts });
  }
  return counters;
}

/** Counter items without their zero counters (for comparing a rebuild with the live items). */
export function withoutZeros(counters: CounterItems): CounterItems {
  const clean: CounterItems = new Map();
  for (const [key, item] of counters) {
    const counts = Object.fromEntries(Object.entries(item.counts).filter(([, value]) => value !== 0));
    if (Object.keys(counts).length) clean.set(key, { ...item, counts });
  }
  return clean;
}

/** The keys of the counter items whose counters differ between two sets (what a dry run reports). */
export function differingItems(live: CounterItems, fresh: CounterItems): string[] {
  const sorted = (counts: Record<string, number> | undefined) => JSON.stringify(Object.entries(counts ?? {}).sort(([a], [b]) => a.localeCompare(b)));
  return [...new Set([...live.keys(), ...fresh.keys()])].filter((key) => sorted(live.get(key)?.counts) !== sorted(fresh.get(key)?.counts));
}

/**
 * Replaces the stored counters of the counting rules and the report states with the rebuilt ones (stop the reactor
 * while it runs); other `METRIC#` items are kept.
 */
export async function writeRebuild(db: DynamoDBDocumentClient, tableName: string, rebuilt: RebuildResult & { existing: Record<string, unknown>[] }): Promise<void> {
  const deletes = rebuilt.existing.map((item) => ({ DeleteRequest: { Key: { PK: item.PK, SK: item.SK } } }));
  const puts = [
    ...[...withoutZeros(rebuilt.counters).values()].map(({ metric, shard, day, counts }) => ({ PutRequest: { Item: { ...keys.metric(metric, shard, day), ...counts } } })),
    ...[...rebuilt.states].map(([contactId, state]) => ({ PutRequest: { Item: reportStateItem(contactId, state) } })),
  ];
  // Deletes first, in their own batches: a batch may not delete and put the same key.
  for (const requests of [deletes, puts]) {
    for (let i = 0; i < requests.length; i += 25) await batchWrite(db, tableName, requests.slice(i, i + 25));
  }
}

async function batchWrite(db: DynamoDBDocumentClient, tableName: string, requests: Record<string, unknown>[]): Promise<void> {
  let pending: Record<string, unknown>[] | undefined = requests;
  for (let attempt = 0; pending?.length; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * 2 ** attempt)));
    const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }));
    pending = result.UnprocessedItems?.[tableName] as Record<string, unknown>[] | undefined;
  }
}

async function scanAll(db: DynamoDBDocumentClient, tableName: string, visit: (item: Record<string, unknown>) => void): Promise<void> {
  for await (const page of paginateScan({ client: db }, { TableName: tableName })) for (const item of page.Items ?? []) visit(item);
}
