import { unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { countingRules } from '../../functions/capabilities';
import { DynamoReactorStore } from '../../functions/reactor/dynamo-reactor-store';
import type { JourneyStarter } from '../../functions/journeys/ports';
import { makeReactor } from '../../functions/reactor/reactor';
import { matchesFilter } from '../../functions/reactor/stream-filter';
import { ReportMetric, leadsByMetric } from '../../functions/reports/domain/counters';
import { counterKey } from '../../functions/reports/domain/rebuild';
import { DynamoMetrics } from '../../functions/reports/dynamo-metrics';
import { differingItems, rebuildFromTable, storedCounters, withoutZeros, writeRebuild } from '../../functions/reports/rebuild';
import { keys, metricPartition, metricValueSk } from '../../functions/shared/keys';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { EventName } from '../../functions/shared/events';
import type { NewTimelineEvent } from '../../functions/shared/timeline';
import { memoryLogger } from '../support/http';
import { readStream } from '../support/stream';
import { createTestTable, type TestTable } from '../support/table';

let table: TestTable;
let contacts: DynamoContacts;

/** Step Functions stand-in: starts and stops are recorded, nothing runs. */
const starter: JourneyStarter = {
  start: async () => ({ type: 'Started' }),
  stop: async () => ({ type: 'NotRunning' }),
  resume: async () => ({ type: 'NotWaiting' }),
};

/** A clock that moves 1 ms per reading, as a real reactor's processing times do. */
function tickingClock(start: string) {
  let now = Date.parse(start);
  return { now: () => new Date(now++) };
}

/** Runs the real reactor (default rules) over the table's stream until the events it appends are processed too. */
async function drainReactor(): Promise<number> {
  const reactor = makeReactor({
    store: new DynamoReactorStore(table.documentClient, table.tableName),
    journeys: starter,
    handOffs: { enqueue: async () => {} },
    emails: { send: async () => {} },
    clock: tickingClock('2026-11-24T00:00:00.000Z'),
    logger: memoryLogger(),
  });
  const fed = new Set<string>();
  for (let round = 0; round < 10; round++) {
    const records = (await readStream(table)).filter((record) => {
      if (!matchesFilter(record)) return false;
      const { PK, SK } = unmarshall(record.dynamodb!.NewImage as never) as { PK: string; SK: string };
      return !fed.has(`${PK} ${SK}`);
    });
    if (records.length === 0) return fed.size;
    for (const record of records) {
      const { PK, SK } = unmarshall(record.dynamodb!.NewImage as never) as { PK: string; SK: string };
      fed.add(`${PK} ${SK}`);
    }
    const result = await reactor({ Records: records });
    expect(result.batchItemFailures).toEqual([]);
  }
  throw new Error('the reactor kept appending events');
}

const sources = [
  { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'q4-search' },
  { utm_source: 'linkedin', utm_medium: 'social', utm_campaign: 'webinar' },
  {},
] as const;

/** A small, varied history: forms with and without campaigns, email engagement (human and machine), journeys, orders, sales feedback. */
async function seed(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const day = `2026-10-${String(1 + (i % 20)).padStart(2, '0')}`;
    const at = (hour: number, plusDays = 0) => new Date(Date.parse(`${day}T${String(hour).padStart(2, '0')}:00:00.000Z`) + plusDays * 86_400_000);
    const { contactId } = await contacts.recordSubmission(
      `seed-${i}@example.com`,
      { formId: i % 2 ? 'demo-request' : 'newsletter', fields: { email: `seed-${i}@example.com`, company_size: i % 3 ? '200' : '5' }, utm: { ...sources[i % 3] } },
      at(8),
    );
    const append = (event: NewTimelineEvent) => contacts.appendEvent(contactId, event);
    const ref = { messageId: `msg-${i}-1`, templateId: 'nurture-1', journeyId: 'budget-router', stepId: 'nurture-1' };
    await append({ type: EventName.JourneyEntered, occurredAt: at(9).toISOString(), data: { journeyId: 'budget-router', executionName: `budget-router-${i}`, triggerEventId: 'x', entry: 1 } });
    await append({ type: EventName.EmailSent, occurredAt: at(10).toISOString(), data: { ...ref, kind: 'marketing', sendId: `s-${i}` } });
    await append({ type: EventName.EmailDelivered, occurredAt: at(10).toISOString(), data: ref });
    if (i % 4 === 0) await append({ type: EventName.EmailOpened, occurredAt: at(11).toISOString(), data: { ...ref, machine: true } });
    if (i % 2 === 0) {
      await append({ type: EventName.EmailOpened, occurredAt: at(12).toISOString(), data: { ...ref, machine: false } });
      await append({ type: EventName.EmailOpened, occurredAt: at(13).toISOString(), data: { ...ref, machine: false } });
      await append({ type: EventName.EmailClicked, occurredAt: at(13).toISOString(), data: { ...ref, url: 'https://example.com/pricing', linkIndex: 0, machine: false } });
      await append({ type: EventName.PageViewed, occurredAt: at(14).toISOString(), data: { url: 'https://example.com/pricing', path: '/pricing' } });
      await append({ type: EventName.Tracked, occurredAt: at(15).toISOString(), data: { event: 'demo_booked', properties: {} } });
    }
    if (i % 5 === 1) await append({ type: EventName.EmailUnsubscribed, occurredAt: at(16).toISOString(), data: { topic: 'all', source: 'one-click', messageId: ref.messageId, templateId: 'nurture-1' } });
    if (i % 3 === 0) {
      await append({ type: EventName.CrmFeedback, occurredAt: at(9, 3).toISOString(), data: { provider: 'hubspot', outcome: 'accepted' } });
      await append({ type: EventName.Tracked, occurredAt: at(9, 10).toISOString(), data: { event: 'order_completed', properties: { value: 100 } } });
      await append({ type: EventName.JourneyExited, occurredAt: at(9, 10).toISOString(), data: { journeyId: 'budget-router', executionName: `budget-router-${i}`, reason: 'goal' } });
    } else if (i % 3 === 1) {
      await append({ type: EventName.JourneyCompleted, occurredAt: at(9, 20).toISOString(), data: { journeyId: 'budget-router', executionName: `budget-router-${i}` } });
    }
  }
}

beforeAll(async () => {
  table = await createTestTable();
  contacts = new DynamoContacts(table.documentClient, table.tableName);
  await seed(24);
  await drainReactor();
}, 240_000);

describe('reports rebuild', () => {
  it('recomputes from the timelines exactly the counters the live reactor wrote, and the same report states', async () => {
    const live = storedCounters(await table.scan());
    const rebuilt = await rebuildFromTable(table.documentClient, table.tableName, countingRules);

    expect(rebuilt.contacts).toBe(24);
    expect([...live.keys()].some((key) => key.startsWith(`${ReportMetric.funnel}\u0000`))).toBe(true);
    expect([...live.keys()].some((key) => key.startsWith(`${leadsByMetric('source')}\u0000`))).toBe(true);
    expect(Object.fromEntries(withoutZeros(rebuilt.counters))).toEqual(Object.fromEntries(live));
    const liveStates = (await table.scan()).filter((item) => item.SK === 'REPORTS');
    expect(liveStates).toHaveLength(24);
    for (const item of liveStates) {
      const { PK, SK: _sk, ...state } = item;
      expect(rebuilt.states.get(String(PK).slice('CONTACT#'.length))).toEqual(state);
    }
  }, 120_000);

  it('replaces the stored counters with the rebuilt ones, leaving the reports unchanged', async () => {
    const metrics = new DynamoMetrics(table.documentClient, table.tableName);
    const before = await metrics.counters(ReportMetric.leads, '2026-10-01', '2026-12-31');
    const sourcesBefore = await metrics.byValue(leadsByMetric('source'), '2026-10-01', '2026-12-31');
    const rebuilt = await rebuildFromTable(table.documentClient, table.tableName, countingRules);

    await writeRebuild(table.documentClient, table.tableName, rebuilt);

    expect(await metrics.counters(ReportMetric.leads, '2026-10-01', '2026-12-31')).toEqual(before);
    expect(await metrics.byValue(leadsByMetric('source'), '2026-10-01', '2026-12-31')).toEqual(sourcesBefore);
    expect(Object.fromEntries(storedCounters(await table.scan()))).toEqual(Object.fromEntries(withoutZeros(rebuilt.counters)));
  }, 120_000);

  it('leaves counters no timeline holds (refused bots) alone: not reported as differing, not deleted', async () => {
    // As functions/forms/dynamo-intake.ts counts a refused bot.
    const bot = { PK: metricPartition('forms.bots_refused.honeypot', 1), SK: '2026-10-02' };
    await table.documentClient.send(
      new UpdateCommand({ TableName: table.tableName, Key: bot, UpdateExpression: 'ADD #count :n', ExpressionAttributeNames: { '#count': 'count' }, ExpressionAttributeValues: { ':n': 7 } }),
    );
    const rebuilt = await rebuildFromTable(table.documentClient, table.tableName, countingRules);

    expect(differingItems(storedCounters(rebuilt.existing), withoutZeros(rebuilt.counters))).toEqual([]);
    await writeRebuild(table.documentClient, table.tableName, rebuilt);
    expect((await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: bot }))).Item).toEqual({ ...bot, count: 7 });
  }, 120_000);

  it('drops the per-value attributes a leads item held before the per-value items, and deletes per-value items no timeline yields', async () => {
    const add = (key: Record<string, string>, name: string) =>
      table.documentClient.send(
        new UpdateCommand({ TableName: table.tableName, Key: key, UpdateExpression: 'ADD #n :n', ExpressionAttributeNames: { '#n': name }, ExpressionAttributeValues: { ':n': 1 } }),
      );
    const day = '2026-10-02';
    const leadsItem = keys.metric(ReportMetric.leads, 0, day);
    const stale = keys.metricValue(leadsByMetric('source'), 0, day, 'no-such-source');
    const live = (await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: leadsItem }))).Item;
    // As a leads item looked before `leads.by.<dim>`: a counter per value among its attributes.
    await add(leadsItem, 'new/source/from-before');
    await add(stale, 'new');
    const rebuilt = await rebuildFromTable(table.documentClient, table.tableName, countingRules);

    expect(differingItems(storedCounters(rebuilt.existing), withoutZeros(rebuilt.counters)).sort()).toEqual(
      [counterKey(ReportMetric.leads, 0, day), counterKey(leadsByMetric('source'), 0, metricValueSk(day, 'no-such-source'))].sort(),
    );
    await writeRebuild(table.documentClient, table.tableName, rebuilt);
    expect((await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: leadsItem }))).Item).toEqual(live);
    expect((await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: stale }))).Item).toBeUndefined();
  }, 120_000);

  it('counts the seeded history as the marketer expects: new leads, unique human opens, machine opens apart', async () => {
    const metrics = new DynamoMetrics(table.documentClient, table.tableName);
    const leads = await metrics.counters(ReportMetric.leads, '2026-10-01', '2026-10-31');
    const sources = await metrics.byValue(leadsByMetric('source'), '2026-10-01', '2026-10-31');
    const email = await metrics.counters(ReportMetric.email, '2026-10-01', '2026-10-31');
    const sum = (counters: Map<string, Record<string, number>>, name: string) => [...counters.values()].reduce((total, counts) => total + (counts[name] ?? 0), 0);

    expect(sum(leads, 'new')).toBe(24);
    expect([...sources.values()].reduce((total, byValue) => total + (byValue.get('google')?.new ?? 0), 0)).toBe(8);
    expect(sum(email, 'budget-router/nurture-1/nurture-1/sent')).toBe(24);
    expect(sum(email, 'budget-router/nurture-1/nurture-1/opens')).toBe(24);
    expect(sum(email, 'budget-router/nurture-1/nurture-1/uniqueOpens')).toBe(12);
    expect(sum(email, 'budget-router/nurture-1/nurture-1/machineOpens')).toBe(6);
    expect(sum(email, 'budget-router/nurture-1/nurture-1/unsubscribed')).toBe(5);
  });
});
