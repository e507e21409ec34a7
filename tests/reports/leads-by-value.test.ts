import { createHash } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Contact } from '../../functions/shared/contact';
import { toItem } from '../../functions/contacts/dynamo-contacts';
import { countingRules } from '../../functions/capabilities';
import { DynamoReactorStore } from '../../functions/reactor/dynamo-reactor-store';
import type { JourneyStarter } from '../../functions/journeys/ports';
import { react, type ReactorDeps } from '../../functions/reactor/reactor';
import { LEAD_DIMENSIONS, ReportMetric, leadsByMetric, type LeadDimension } from '../../functions/reports/domain/counters';
import { DynamoMetrics } from '../../functions/reports/dynamo-metrics';
import { differingItems, rebuildFromTable, storedCounters, withoutZeros, writeRebuild } from '../../functions/reports/rebuild';
import { ReportQuery, runReport, type ReportName } from '../../functions/reports/reports';
import { EventName } from '../../functions/shared/events';
import { keys } from '../../functions/shared/keys';
import type { TimelineEvent } from '../../functions/shared/timeline';
import { memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

/**
 * A day on which a bot posts the form 2,000 times, each with its own random 60-character utm_source, most of it
 * three-byte characters: together the values would not fit in one item.
 */
const DAY = '2026-11-03';
const FLOOD = 2_000;
/** Real leads that day, all from one campaign, each of them an MQL an hour later. */
const GOOGLE = 20;
/** DynamoDB's item size limit, and the most any counter item may use here (1% of it). */
const ITEM_LIMIT = 400 * 1024;
const ITEM_BUDGET = ITEM_LIMIT / 100;

let table: TestTable;
let deps: ReactorDeps;
const floodSources: string[] = [];

const starter: JourneyStarter = {
  start: async () => ({ type: 'Started' }),
  stop: async () => ({ type: 'NotRunning' }),
  resume: async () => ({ type: 'NotWaiting' }),
};

/** 60 random-looking characters no other lead shares, with the characters a key must survive (`#`, `/`, `%`, spaces, accents). */
const randomValue = (i: number) => {
  const hash = createHash('sha256').update(`bot-${i}`).digest();
  const han = Array.from(hash, (byte) => String.fromCodePoint(0x4e00 + byte * 37)).join('');
  return `bot #${i}/%é ${han}${han}`.slice(0, 60).toLowerCase();
};

/** A lead created on DAY by one form post, and, for `mql`, its move to MQL an hour later. */
function lead(i: number, utm: Record<string, string>, mql: boolean): { contact: Contact; events: TimelineEvent[] } {
  const contactId = `lead-${String(i).padStart(5, '0')}`;
  const at = (hour: number) => `${DAY}T${String(hour).padStart(2, '0')}:00:00.000Z`;
  const contact: Contact = { contactId, email: `${contactId}@example.com`, attributes: {}, createdAt: at(8), updatedAt: at(8) };
  const events: TimelineEvent[] = [
    { eventId: `01FLOOD${String(i).padStart(6, '0')}A`, contactId, occurredAt: at(8), type: EventName.FormSubmitted, data: { formId: 'demo-request', fields: {}, utm } },
  ];
  if (mql) events.push({ eventId: `01FLOOD${String(i).padStart(6, '0')}B`, contactId, occurredAt: at(9), type: EventName.StageChanged, data: { from: 'subscriber', to: 'mql', reason: 'score' } });
  return { contact, events };
}

async function batchWrite(items: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let pending: unknown[] | undefined = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending?.length) {
      const result: { UnprocessedItems?: Record<string, unknown[]> } = await table.documentClient.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: pending as never } }));
      pending = result.UnprocessedItems?.[table.tableName];
    }
  }
}


/** An item's size as DynamoDB counts it, rounded up: names and strings in UTF-8 bytes, a number at its 21-byte most. */
function itemBytes(item: Record<string, unknown>): number {
  return Object.entries(item).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + (typeof value === 'number' ? 21 : Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value))),
    0,
  );
}

const report = (name: ReportName, query: Record<string, string>) =>
  runReport(name, ReportQuery.parse({ from: DAY, to: DAY, ...query }), {
    metrics: new DynamoMetrics(table.documentClient, table.tableName),
    programs: { list: async () => [], put: async () => {} },
    filePrograms: [
      { id: 'spring-ads', campaign: 'spring-sale', costs: [{ month: DAY.slice(0, 7), kind: 'ads', amount: 500 }] },
      { id: 'bot-traffic', campaign: 'bot', costs: [{ month: DAY.slice(0, 7), kind: 'ads', amount: 0 }] },
    ],
    funnel: { stages: [], sideStages: [] },
  });

beforeAll(async () => {
  table = await createTestTable();
  deps = {
    store: new DynamoReactorStore(table.documentClient, table.tableName),
    journeys: starter,
    clock: { now: () => new Date(`${DAY}T12:00:00.000Z`) },
    logger: memoryLogger(),
    rules: countingRules,
  };
  const stored = (leads: ReturnType<typeof lead>[]) => leads.flatMap(({ contact, events }) => [{ ...keys.profile(contact.contactId), ...contact }, ...events.map(toItem)]);

  // The flood, counted by the counting rules replaying the stored timelines and written by a rebuild (2,000
  // reactor transactions would take minutes on DynamoDB Local); one in ten of the bot's leads becomes an MQL.
  const flood = Array.from({ length: FLOOD }, (_, i) => {
    floodSources.push(randomValue(i));
    return lead(i, { utm_source: floodSources[i]!, utm_medium: 'cpc', utm_campaign: 'bot' }, i % 10 === 0);
  });
  await batchWrite(stored(flood));
  await writeRebuild(table.documentClient, table.tableName, await rebuildFromTable(table.documentClient, table.tableName, countingRules));

  // Then real leads of the same day through the reactor: its transactions touch the day's `leads` item, its
  // funnel items and, for the last one, a value item the flood wrote.
  const live = [
    ...Array.from({ length: GOOGLE }, (_, i) => lead(FLOOD + i, { utm_source: 'Google', utm_medium: 'cpc', utm_campaign: 'spring-sale' }, true)),
    lead(FLOOD + GOOGLE, { utm_source: floodSources[0]! }, false),
  ];
  await batchWrite(stored(live));
  for (const event of live.flatMap(({ events }) => events)) expect((await react(event, deps)).type).toBe('Applied');
}, 600_000); // about two minutes on a loaded 2-core CI machine: a wide margin

describe('leads attribution under a flood of distinct UTM values', () => {
  it('keeps every counter item far under the 400 KB item limit, though the values alone would not fit in one item', async () => {
    const counters = (await table.scan()).filter((item) => String(item.PK).startsWith('METRIC#'));
    const daily = (dim: LeadDimension) => counters.filter((item) => item.PK === `METRIC#${leadsByMetric(dim)}#0` && String(item.SK).startsWith(`${DAY}#`));
    // What the day's one `leads` item would have held instead: an attribute per counter and value (`new/source/<value>`, …).
    const asAttributes = LEAD_DIMENSIONS.flatMap((dim) =>
      daily(dim).flatMap((item) => {
        const value = decodeURIComponent(String(item.SK).slice(`${DAY}#`.length));
        return Object.keys(item).filter((name) => name !== 'PK' && name !== 'SK').map((name) => Buffer.byteLength(`${name}/${dim}/${value}`) + 21);
      }),
    ).reduce((sum, bytes) => sum + bytes, 0);

    expect(daily('source')).toHaveLength(FLOOD + 1);
    expect(daily('form')).toHaveLength(1);
    expect(asAttributes).toBeGreaterThan(ITEM_LIMIT);
    expect(Math.max(...counters.map(itemBytes))).toBeLessThan(ITEM_BUDGET);
    const leadsItem = counters.find((item) => item.PK === `METRIC#${ReportMetric.leads}#0` && item.SK === DAY);
    expect(leadsItem).toEqual({ PK: `METRIC#${ReportMetric.leads}#0`, SK: DAY, new: FLOOD + GOOGLE + 1, 'stage/mql': FLOOD / 10 + GOOGLE });
  });

  it('still answers the leads report, in total and by source, from one Query per dimension', async () => {
    const metrics = new DynamoMetrics(table.documentClient, table.tableName);
    const values = await metrics.byValue(leadsByMetric('source'), DAY, DAY);
    const totals = await report('leads', {});
    const bySource = await report('leads', { by: 'source' });
    const rows = new Map(bySource.rows.map((row) => [row[1], row]));

    expect(metrics.itemsRead).toBe(FLOOD + 1);
    expect([...values.keys()]).toEqual([DAY]);
    expect(totals.rows).toEqual([[DAY, FLOOD + GOOGLE + 1, 0, FLOOD / 10 + GOOGLE, 0, 0, 0]]);
    expect(bySource.columns).toEqual(['period', 'source', 'new', 'mql', 'sql', 'opportunity', 'customer']);
    expect(bySource.rows).toHaveLength(FLOOD + 1);
    expect(rows.get('google')).toEqual([DAY, 'google', GOOGLE, GOOGLE, 0, 0, 0]);
    expect(rows.get(floodSources[0]!)).toEqual([DAY, floodSources[0], 2, 1, 0, 0, 0]);
    expect(rows.get(floodSources[1]!)).toEqual([DAY, floodSources[1], 1, 0, 0, 0, 0]);
    expect(bySource.rows.reduce((sum, row) => sum + Number(row[2]), 0)).toBe(FLOOD + GOOGLE + 1);
    expect(bySource.rows.reduce((sum, row) => sum + Number(row[3]), 0)).toBe(FLOOD / 10 + GOOGLE);
  });

  it("answers for the month from the month items, by last touch, and the cost per MQL of the day's campaigns", async () => {
    const month = { from: `${DAY.slice(0, 8)}01`, to: `${DAY.slice(0, 8)}30` };
    const metrics = new DynamoMetrics(table.documentClient, table.tableName);
    const monthItems = await metrics.byValue(`${leadsByMetric('source')}@month`, month.from, month.from);
    const bySource = await report('leads', { ...month, by: 'source', touch: 'last', granularity: 'month' });
    const rows = new Map(bySource.rows.map((row) => [row[1], row]));
    const cost = await report('cost', month);

    expect(monthItems.get(month.from)?.size).toBe(FLOOD + 1);
    expect(bySource.rows).toHaveLength(FLOOD + 1);
    expect(rows.get('google')).toEqual([DAY.slice(0, 7), 'google', GOOGLE, GOOGLE, 0, 0, 0]);
    expect(rows.get(floodSources[0]!)).toEqual([DAY.slice(0, 7), floodSources[0], 2, 1, 0, 0, 0]);
    expect(cost.rows).toEqual([
      ['spring-ads', 'spring-ads', 500, GOOGLE, 25, 0],
      ['bot-traffic', 'bot-traffic', 0, FLOOD / 10, 0, 0],
    ]);
  });

  it('rebuilds the same per-value items the reactor and the earlier rebuild wrote', async () => {
    const rebuilt = await rebuildFromTable(table.documentClient, table.tableName, countingRules);

    expect(rebuilt.contacts).toBe(FLOOD + GOOGLE + 1);
    expect(differingItems(storedCounters(rebuilt.existing), withoutZeros(rebuilt.counters))).toEqual([]);
  }, 120_000);

  it("reads a day's values for that day only: none of them in the day before's or after's", async () => {
    const metrics = new DynamoMetrics(table.documentClient, table.tableName);
    const shift = (days: number) => new Date(Date.parse(`${DAY}T00:00:00.000Z`) + days * 86_400_000).toISOString().slice(0, 10);

    expect((await metrics.byValue(leadsByMetric('source'), shift(-1), shift(-1))).size).toBe(0);
    expect((await metrics.byValue(leadsByMetric('source'), shift(1), shift(1))).size).toBe(0);
    expect([...(await metrics.byValue(leadsByMetric('source'), shift(-1), shift(1))).keys()]).toEqual([DAY]);
  });
});
