/**
 * Reports bench (`npm run bench`, or alone: `npx tsx bench/reports.ts`):
 *
 * - the funnel and email reports over 365 days of counters for a synthetic 1M-contact history, written straight into
 *   DynamoDB Local as counter items (not through intake): items read and latency per report (goal < 1,500 items
 *   and < 1 s);
 * - `reports rebuild` throughput in events/s (scan the table, replay every timeline through the counting rules)
 *   against a loop that only reads the same events (the scan alone).
 */
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { Contact } from '../functions/shared/contact';
import { toItem } from '../functions/contacts/dynamo-contacts';
import { countingRules } from '../functions/capabilities';
import { DURATION_BUCKETS_HOURS, GAUGE_DAY, MONTHLY_METRICS, ReportMetric, SCORE_BUCKETS, attr, monthlyMetric, shardsOf } from '../functions/reports/domain/counters';
import { DynamoMetrics } from '../functions/reports/dynamo-metrics';
import { rebuildFromTable } from '../functions/reports/rebuild';
import { runReport, ReportQuery, type ReportName } from '../functions/reports/reports';
import { lifecycle } from '../functions/scoring/domain/content';
import { EventName } from '../functions/shared/events';
import { keys } from '../functions/shared/keys';
import type { TimelineEvent } from '../functions/shared/timeline';
import { ensureTable, localCredentials, localRegion, startDynamoDbLocal } from '../local/dynamodb-local';

export const reportGoals = { maxItems: 1_500, maxSeconds: 1 } as const;

export interface ReportsBenchResult {
  readonly reports: { name: string; items: number; medianMs: number; maxMs: number }[];
  readonly rebuild: { contacts: number; events: number; eventsPerSecond: number; readOnlyEventsPerSecond: number };
}

const stages = [...lifecycle.stages.map((s) => s.id), ...lifecycle.sideStages.map((s) => s.id)];
const day = (i: number) => new Date(Date.UTC(2025, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);

/** 365 days of counters as a 1M-contact history would leave them (~2,700 new leads a day, 30 emails in 5 journeys). */
function counterItems(): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  for (let d = 0; d < 365; d++) {
    const funnel: Record<string, number> = {};
    for (const [i, stage] of stages.entries()) {
      funnel[attr('entered', stage)] = Math.round(2_740 / (i + 1));
      funnel[attr('forward', stage)] = Math.round(1_500 / (i + 1));
      funnel[attr('dropped', stage)] = Math.round(100 / (i + 1));
      DURATION_BUCKETS_HOURS.forEach((_, b) => (funnel[attr('time', stage, b)] = 10 + b));
    }
    items.push({ ...keys.metric(ReportMetric.funnel, 0, day(d)), ...funnel });
    // Exits by whole days spent in the stage, keyed by the leave day: what the stalled counts read back.
    items.push({ ...keys.metric(ReportMetric.stageStays, 0, day(d)), ...Object.fromEntries(stages.flatMap((s) => [3, 10, 40].map((days) => [attr(s, days), 20]))) });
    for (let shard = 0; shard < shardsOf(ReportMetric.email); shard++) {
      const email: Record<string, number> = {};
      for (let j = 0; j < 5; j++) {
        for (let s = 0; s < 6; s++) {
          for (const measure of ['sent', 'delivered', 'bounced', 'complained', 'unsubscribed', 'opens', 'uniqueOpens', 'clicks', 'uniqueClicks', 'machineOpens', 'machineClicks']) {
            email[attr(`journey-${j}`, `step-${s}`, `template-${j}-${s}`, measure)] = 100 + s;
          }
        }
      }
      items.push({ ...keys.metric(ReportMetric.email, shard, day(d)), ...email });
    }
  }
  // The monthly items the reactor keeps beside the daily ones (MONTHLY_METRICS): each the sum of its month's days.
  const monthly = new Map<string, Record<string, unknown>>();
  for (const item of items) {
    const [, metric, shard] = /^METRIC#(.+)#(\d+)$/.exec(String(item.PK))!;
    if (!MONTHLY_METRICS.has(metric!)) continue;
    const key = keys.metric(monthlyMetric(metric!), Number(shard), `${String(item.SK).slice(0, 7)}-01`);
    const sums = monthly.get(`${key.PK} ${key.SK}`) ?? { ...key };
    for (const [name, value] of Object.entries(item)) if (typeof value === 'number') sums[name] = Number(sums[name] ?? 0) + value;
    monthly.set(`${key.PK} ${key.SK}`, sums);
  }
  items.push(...monthly.values());
  // The stage gauge: contacts in each stage now (one item per shard).
  for (let shard = 0; shard < shardsOf(ReportMetric.stageGauge); shard++) {
    items.push({ ...keys.metric(ReportMetric.stageGauge, shard, GAUGE_DAY), ...Object.fromEntries(stages.map((s, i) => [attr(s), Math.round(200_000 / (i + 1))])) });
  }
  for (let m = 0; m < 12; m++) {
    items.push({ ...keys.metric(ReportMetric.leadScores, 0, `${day(m * 31).slice(0, 7)}-01`), ...Object.fromEntries(Array.from({ length: SCORE_BUCKETS }, (_, b) => [`b${b}`, 8_000 - b * 500])) });
  }
  return items;
}

/** Synthetic timelines for the rebuild bench: a form post, page views, an email with opens and clicks, a stage change. */
function timelines(contacts: number): { profiles: Contact[]; events: TimelineEvent[] } {
  const profiles: Contact[] = [];
  const events: TimelineEvent[] = [];
  for (let c = 0; c < contacts; c++) {
    const contactId = `bench-${String(c).padStart(7, '0')}`;
    const at = (minutes: number) => new Date(Date.UTC(2025, 0, 1) + (c % 365) * 86_400_000 + minutes * 60_000).toISOString();
    profiles.push({ contactId, email: `${contactId}@example.com`, attributes: {}, createdAt: at(0), updatedAt: at(0) });
    let n = 0;
    const id = () => `01BENCH${String(c).padStart(10, '0')}${String(n++).padStart(9, '0')}`;
    const ref = { messageId: `m-${c}`, templateId: 'nurture-1', journeyId: 'budget-router', stepId: 'nurture-1' };
    events.push(
      { eventId: id(), contactId, occurredAt: at(0), type: EventName.FormSubmitted, data: { formId: 'demo-request', fields: {}, utm: { utm_source: c % 2 ? 'google' : 'linkedin', utm_campaign: 'q4' } } },
      { eventId: id(), contactId, occurredAt: at(1), type: EventName.StageChanged, data: { from: 'subscriber', to: 'lead', reason: 'form' } },
      { eventId: id(), contactId, occurredAt: at(2), type: EventName.JourneyEntered, data: { journeyId: 'budget-router', executionName: `x-${c}`, triggerEventId: 'e', entry: 1 } },
      { eventId: id(), contactId, occurredAt: at(3), type: EventName.EmailSent, data: { ...ref, kind: 'marketing', sendId: `s-${c}` } },
      { eventId: id(), contactId, occurredAt: at(4), type: EventName.EmailDelivered, data: ref },
      { eventId: id(), contactId, occurredAt: at(5), type: EventName.EmailOpened, data: { ...ref, machine: c % 3 === 0 } },
      { eventId: id(), contactId, occurredAt: at(6), type: EventName.EmailClicked, data: { ...ref, url: 'https://x', linkIndex: 0, machine: false } },
      { eventId: id(), contactId, occurredAt: at(7), type: EventName.PageViewed, data: { url: 'https://x/pricing' } },
      { eventId: id(), contactId, occurredAt: at(8), type: EventName.ScoreChanged, data: { fit: 10, behaviour: 25, total: 35, previousTotal: 0, version: 1, ruleIds: [] } },
      { eventId: id(), contactId, occurredAt: at(60 * 24 * 3), type: EventName.StageChanged, data: { from: 'lead', to: 'mql', reason: 'score' } },
    );
  }
  return { profiles, events };
}

async function batchPut(db: DynamoDBDocumentClient, tableName: string, items: Record<string, unknown>[]): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  const worker = async () => {
    for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
      let pending: unknown[] | undefined = chunk.map((Item) => ({ PutRequest: { Item } }));
      while (pending?.length) {
        const result: { UnprocessedItems?: Record<string, unknown[]> } = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }));
        pending = result.UnprocessedItems?.[tableName];
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

export async function benchReports(say: (line: string) => void = () => undefined, rebuildContacts = 5_000): Promise<ReportsBenchResult> {
  const dynamo = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: localRegion, credentials: localCredentials });
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  try {
    const tableName = `bench-reports-${Date.now()}`;
    await ensureTable(client, tableName);
    const items = counterItems();
    say(`reports: writing ${items.length} counter items (365 days, 1M-contact history)`);
    await batchPut(db, tableName, items);
    const reports: ReportsBenchResult['reports'] = [];
    const ranges = [
      { label: '365 days, whole months', from: day(0), to: day(364) },
      { label: '365 days, mid-month to mid-month', from: day(15), to: day(364 + 15) },
    ];
    for (const range of ranges)
    for (const name of ['funnel', 'email', 'lead-scores'] as ReportName[]) {
      const times: number[] = [];
      let read = 0;
      for (let run = 0; run < 6; run++) {
        const metrics = new DynamoMetrics(db, tableName);
        const started = performance.now();
        await runReport(name, ReportQuery.parse({ from: range.from, to: range.to, granularity: 'month' }), {
          metrics,
          programs: { list: async () => [], put: async () => {} },
          funnel: { stages: lifecycle.stages.map((s) => s.id), sideStages: lifecycle.sideStages.map((s) => s.id) },
        });
        if (run > 0) times.push(performance.now() - started);
        read = metrics.itemsRead;
      }
      times.sort((a, b) => a - b);
      reports.push({ name: `${name} (${range.label})`, items: read, medianMs: times[Math.floor(times.length / 2)]!, maxMs: times.at(-1)! });
      say(`reports: ${name} (${range.label}) read ${read} items, median ${times[Math.floor(times.length / 2)]!.toFixed(0)} ms`);
    }

    const rebuildTable = `bench-rebuild-${Date.now()}`;
    await ensureTable(client, rebuildTable);
    const { profiles, events } = timelines(rebuildContacts);
    say(`reports: writing ${profiles.length} profiles and ${events.length} events for the rebuild`);
    await batchPut(db, rebuildTable, [...profiles.map((p) => ({ ...keys.profile(p.contactId), ...p })), ...events.map((e) => toItem(e))]);
    const readStarted = performance.now();
    let scanned = 0;
    for await (const page of paginateScan({ client: db }, { TableName: rebuildTable })) scanned += page.Items?.length ?? 0;
    const readSeconds = (performance.now() - readStarted) / 1_000;
    const rebuildStarted = performance.now();
    const rebuilt = await rebuildFromTable(db, rebuildTable, countingRules);
    const rebuildSeconds = (performance.now() - rebuildStarted) / 1_000;
    say(`reports: rebuild of ${rebuilt.events} events in ${rebuildSeconds.toFixed(1)} s; read-only scan of ${scanned} items in ${readSeconds.toFixed(1)} s`);
    return {
      reports,
      rebuild: { contacts: rebuilt.contacts, events: rebuilt.events, eventsPerSecond: rebuilt.events / rebuildSeconds, readOnlyEventsPerSecond: events.length / readSeconds },
    };
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

export function reportsSection(result: ReportsBenchResult): { markdown: string; verdicts: { goal: string; met: boolean }[] } {
  const verdicts: { goal: string; met: boolean }[] = [];
  const rows = result.reports.map((r) => {
    const met = r.items < reportGoals.maxItems && r.maxMs < reportGoals.maxSeconds * 1_000;
    verdicts.push({ goal: `${r.name} report: ${r.items} items, max ${r.maxMs.toFixed(0)} ms (goal < 1,500 items and < 1 s)`, met });
    return `| ${r.name} report (1M-contact history, granularity month) | ${r.items} items, median ${r.medianMs.toFixed(0)} ms, max ${r.maxMs.toFixed(0)} ms | < 1,500 items and < 1 s: ${met ? 'met' : '**MISS**'} |`;
  });
  const ratio = result.rebuild.eventsPerSecond / result.rebuild.readOnlyEventsPerSecond;
  const lines = [
    '## Reports',
    '',
    '| measure | value | goal |',
    '| --- | ---: | --- |',
    ...rows,
    `| reports rebuild, events/s (${result.rebuild.contacts.toLocaleString('en')} contacts, ${result.rebuild.events.toLocaleString('en')} events: scan + replay through the counting rules, no writes) vs a scan that only reads them (${result.rebuild.readOnlyEventsPerSecond.toFixed(0)}/s) | ${result.rebuild.eventsPerSecond.toFixed(0)} (${ratio.toFixed(2)}× the read-only loop) | report |`,
    '',
    'Counter items are written straight into DynamoDB Local (one funnel item and one stage-stays item per day, the ' +
      'email item in 4 shards per day with 30 journey/step/template rows × 11 measures, the stage gauge). The funnel ' +
      "report's stalled counts read the gauge, the month items after the range and the last `stalledDays` of entries " +
      'and stays: bounded by the range, not by the length of the history.',
    '',
  ];
  return { markdown: lines.join('\n'), verdicts };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const result = await benchReports((line) => console.error(`[reports] ${line}`));
  console.log(reportsSection(result).markdown);
  process.exit(0);
}
