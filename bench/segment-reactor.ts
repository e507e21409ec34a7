/**
 * Segments in the reactor (part of `npm run bench`; alone: `npx tsx bench/segment-reactor.ts`,
 * `BENCH_SEGMENT_REACTOR_EVENTS=200` for a smaller run): the reactor with every registered capability and 50
 * segments, against its bare DynamoDB floor and beside the same reactor with none, events per second over real
 * stream records in DynamoDB Local, and DynamoDB calls per event.
 */
import { pathToFileURL } from 'node:url';
import { DeleteTableCommand, DynamoDBClient, TransactWriteItemsCommand, type TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { capabilities, type Rule } from '../functions/capabilities';
import { toItem } from '../functions/contacts/dynamo-contacts';
import { compose, type AnyCapability } from '../functions/reactor/capability';
import { DynamoReactorStore } from '../functions/reactor/dynamo-reactor-store';
import { makeReactor, type ReactorDeps } from '../functions/reactor/reactor';
import { matchesFilter } from '../functions/reactor/stream-filter';
import { lifecycle, stageRankOf } from '../functions/scoring/domain/content';
import { segmentsCapability } from '../functions/segments/capability';
import { affectedBy, indexSegments, segmentRule } from '../functions/segments/domain/rules';
import { loadSegments, type Segment } from '../functions/segments/domain/segment-file';
import { Contact } from '../functions/shared/contact';
import { EventName } from '../functions/shared/events';
import { ulid } from '../functions/shared/ids';
import { keys, STATE_SK_FLOOR } from '../functions/shared/keys';
import type { Logger } from '../functions/shared/logger';
import { queryAll } from '../functions/shared/query';
import { TimelineEvent } from '../functions/shared/timeline';
import { ensureTable, localCredentials, localRegion, startDynamoDbLocal } from '../local/dynamodb-local';
import { random, readAllStreamRecords } from './scoring';

export const segmentReactorGoals = { minReactorRatio: 0.7, maxCallsPerEvent: 3 } as const;

const BATCH = 100;
const ROUNDS = 3;
const EVENTS_PER_CONTACT = 10;

/** One reactor side of a round: events/s against its floor's, and what its DynamoDB work looked like. */
export interface SegmentReactorSide {
  readonly segments: number;
  readonly perSecond: number;
  readonly floorPerSecond: number;
  readonly callsPerEvent: number;
  readonly byOperation: Readonly<Record<string, number>>;
  /** Items per TransactWriteItems (marker included), averaged over events. */
  readonly transactItemsPerEvent: number;
  /** Segment state items written or deleted per event. */
  readonly segmentWritesPerEvent: number;
}

export interface SegmentReactorResult {
  readonly events: number;
  readonly contacts: number;
  /** Segments an event of the workload can change, on average (the reactor evaluates only those). */
  readonly affectedPerEvent: number;
  readonly withSegments: SegmentReactorSide;
  readonly withoutSegments: SegmentReactorSide;
}

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * 50 segments in the shapes of the 12 shipped ones, with other thresholds, event names and windows: behaviour with
 * counts and windows, "not … within", profile conditions on budget, stage, score and consent, and mixes of them.
 */
export function benchSegments(): ReadonlyMap<string, Segment> {
  const files: Record<string, unknown> = {};
  const add = (id: string, match: unknown) => (files[`${id}.yaml`] = { id, name: id, match });
  for (const count of [1, 2, 3]) for (const within of ['7d', '30d']) add(`pricing-${count}x-${within}`, { event: 'page.viewed', where: ['path == /pricing'], count, within });
  for (const path of ['/features', '/customers', '/docs/setup']) {
    for (const within of ['14d', '60d']) add(`visited${path.replaceAll('/', '-')}-${within}`, { event: 'page.viewed', where: [`path == ${path}`], within });
  }
  for (const webinar of ['q4-product-tour', 'q3-security', 'q1-roadmap']) add(`webinar-${webinar}`, { event: 'webinar_attended', where: [`webinar == ${webinar}`] });
  add('webinar-any-90d', { event: 'webinar_attended', within: '90d' });
  add('webinar-twice', { event: 'webinar_attended', count: 2 });
  for (const within of ['7d', '14d', '30d', '60d', '90d']) add(`clicked-${within}`, { event: 'email.clicked', within });
  add('clicked-3x-30d', { event: 'email.clicked', count: 3, within: '30d' });
  for (const within of ['30d', '60d', '90d', '180d']) {
    add(`inactive-subscribers-${within}`, { all: [{ where: 'consent.newsletter == subscribed' }, { not: { event: 'email.clicked', within } }] });
  }
  for (const within of ['1h', '6h', '1d', '3d']) {
    add(`cart-abandoners-${within}`, { all: [{ event: 'checkout_started', within }, { not: { event: 'order_completed', within } }] });
  }
  for (const [count, within] of [[2, '90d'], [3, '365d'], [5, '365d'], [2, '30d']] as const) add(`orders-${count}x-${within}`, { event: 'order_completed', count, within });
  for (const within of ['30d', '60d', '90d', '180d']) {
    add(`lapsed-customers-${within}`, { all: [{ where: 'stage == customer' }, { not: { event: 'order_completed', within } }] });
  }
  for (const [score, within] of [[20, '7d'], [30, '14d'], [50, '14d'], [30, '30d']] as const) {
    add(`hot-leads-${score}-${within}`, { all: [{ where: `score >= ${score}` }, { where: 'stage < sql' }, { event: 'page.viewed', where: ['path == /pricing'], within }] });
  }
  for (const budget of [1_000, 5_000, 10_000]) add(`budget-${budget}`, { all: [{ where: `budget >= ${budget}` }, { where: 'stage < sql' }] });
  add('demo-booked-30d', { event: 'demo_booked', within: '30d' });
  add('demo-booked-ever', { event: 'demo_booked' });
  add('demo-requested-30d', { event: 'form.submitted', where: ['formId == demo-request'], within: '30d' });
  add('demo-requested-big-budget', { event: 'form.submitted', where: ['formId == demo-request', 'budget >= 5000'] });
  return loadSegments(files);
}

interface Workload {
  readonly items: Record<string, unknown>[];
  readonly events: TimelineEvent[];
  readonly contacts: number;
}

/**
 * Contacts (some subscribed to the newsletter, some customers or recycled, budgets spread) and their events over
 * about 30 days, in time order across contacts: page views, tracked events, email clicks (some by link scanners) and
 * form posts. The same items go into every table of a round, so their keys match for the floor.
 */
function generateWorkload(events: number, next: () => number): Workload {
  const contacts = Math.max(1, Math.round(events / EVENTS_PER_CONTACT));
  const start = Date.parse('2026-10-01T00:00:00.000Z');
  const stages = ['subscriber', 'lead', 'lead', 'mql', 'customer', 'recycled'];
  const profiles: Contact[] = Array.from({ length: contacts }, (_, c) => {
    const at = new Date(start).toISOString();
    return Contact.parse({
      contactId: ulid(start),
      email: `s${c}@company${c % 50}.example`,
      attributes: { budget: Math.floor(next() * 15_000), time_zone: c % 3 === 0 ? 'Europe/Paris' : 'America/New_York' },
      createdAt: at,
      updatedAt: at,
      stage: stages[c % stages.length],
      ...(c % 2 === 0 ? { subscriptions: { newsletter: { status: 'subscribed', at, source: 'form' } } } : {}),
    });
  });
  const paths = ['/pricing', '/pricing', '/features', '/customers', '/docs/setup', '/blog/launch'];
  const tracked = ['webinar_attended', 'checkout_started', 'order_completed', 'demo_booked', 'feature_used'];
  const webinars = ['q4-product-tour', 'q3-security', 'q1-roadmap'];
  const span = 30 * 86_400_000;
  const out: TimelineEvent[] = [];
  for (let e = 0; e < events; e++) {
    const at = start + Math.floor((span * e) / events);
    const contact = profiles[Math.floor(next() * contacts)]!;
    const base = { eventId: ulid(at), contactId: contact.contactId, occurredAt: new Date(at).toISOString() };
    const kind = next();
    const event =
      kind < 0.4
        ? { ...base, type: EventName.PageViewed, data: { url: 'https://acme.example/', path: paths[Math.floor(next() * paths.length)] } }
        : kind < 0.65
          ? { ...base, type: EventName.Tracked, data: trackedData(tracked[Math.floor(next() * tracked.length)]!, webinars[Math.floor(next() * webinars.length)]!) }
          : kind < 0.9
            ? { ...base, type: EventName.EmailClicked, data: { messageId: 'm', templateId: 'monthly-newsletter', url: 'https://acme.example/', linkIndex: 0, machine: next() < 0.1 } }
            : { ...base, type: EventName.FormSubmitted, data: { formId: 'demo-request', fields: { email: contact.email, budget: Math.floor(next() * 15_000) }, utm: {} } };
    out.push(TimelineEvent.parse(event));
  }
  const items = [...profiles.map((p) => ({ ...keys.profile(p.contactId), ...p })), ...out.map(toItem)];
  return { items, events: out, contacts };
}

function trackedData(event: string, webinar: string) {
  return { event, properties: event === 'webinar_attended' ? { webinar } : event === 'order_completed' ? { total: 120 } : {} };
}

async function seed(db: DynamoDBDocumentClient, tableName: string, items: readonly Record<string, unknown>[]) {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) {
        let pending: unknown[] | undefined = batches[next++]!.map((Item) => ({ PutRequest: { Item } }));
        while (pending && pending.length > 0) {
          const out: BatchWriteCommandOutput = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }));
          pending = out.UnprocessedItems?.[tableName];
        }
      }
    }),
  );
}

/**
 * A client that counts each request sent (retries included) by operation, and keeps every transaction it
 * committed, marshalled, by the event whose marker it carries: what the floor replays.
 */
function observedClient(endpoint: string) {
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
  const byOperation: Record<string, number> = {};
  const transactions = new Map<string, NonNullable<TransactWriteItemsCommandInput['TransactItems']>>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName).replace(/Command$/, '');
      byOperation[operation] = (byOperation[operation] ?? 0) + 1;
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'benchCountCalls' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'TransactWriteItemsCommand') {
        // After the document client's marshalling: the items as they went over the wire.
        const items = (args.input as TransactWriteItemsCommandInput).TransactItems ?? [];
        const key = items[0]?.Update?.Key;
        if (key) transactions.set(`${key.PK?.S}|${key.SK?.S}`, items);
      }
      return result;
    },
    { step: 'build', name: 'benchKeepTransactions' },
  );
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { client, db, byOperation, transactions };
}

/** The reactor's composition with the segments capability's rule over `segments` instead of the shipped ones. */
function reactorWith(segments: ReadonlyMap<string, Segment>, db: DynamoDBDocumentClient, tableName: string) {
  const composed = capabilities.map((capability): AnyCapability =>
    capability === segmentsCapability ? ({ ...segmentsCapability, rules: [segmentRule(segments, stageRankOf, lifecycle.initial)] } as AnyCapability) : (capability as AnyCapability),
  );
  const composition = compose(composed);
  const rules = composed.flatMap((capability) => capability.rules as readonly Rule[]);
  // The services the capabilities call (Step Functions, the hand-off queue, the sender) answer at once: their
  // latency is not the reactor's cost, and the floor does not make those calls either.
  const answered = new Proxy({}, { get: () => async () => ({ type: 'Started' }) });
  return makeReactor({
    store: new DynamoReactorStore(db, tableName, composition),
    composition,
    rules,
    journeys: answered as ReactorDeps['journeys'],
    handOffs: answered as ReactorDeps['handOffs'],
    emails: answered as ReactorDeps['emails'],
    clock: { now: () => new Date() },
    logger: quiet,
  });
}

interface SideTotals {
  ms: number;
  floorMs: number;
  events: number;
  transactItems: number;
  segmentWrites: number;
  calls: Record<string, number>;
}

export async function benchSegmentReactor(
  say: (line: string) => void = () => undefined,
  events = Number(process.env.BENCH_SEGMENT_REACTOR_EVENTS ?? 600),
): Promise<SegmentReactorResult> {
  const segments = benchSegments();
  const index = indexSegments(segments);
  const rounds: { with: SegmentReactorSide; without: SegmentReactorSide }[] = [];
  let affected = 0;
  let contacts = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // A fresh DynamoDB Local each round: one that has carried a round's tables and streams answers the next round
    // several times slower (floor and reactor alike), which turned a 2-minute section into a 20-minute one.
    const dynamo = await startDynamoDbLocal();
    const admin = new DynamoDBClient({ endpoint: dynamo.endpoint, region: localRegion, credentials: localCredentials });
    const adminDb = DynamoDBDocumentClient.from(admin, { marshallOptions: { removeUndefinedValues: true } });
    const floorClient = new DynamoDBClient({ endpoint: dynamo.endpoint, region: localRegion, credentials: localCredentials });
    const floorDb = DynamoDBDocumentClient.from(floorClient);
    try {
      const workload = generateWorkload(events, random(7 + round));
      contacts = workload.contacts;
      affected = workload.events.reduce((sum, event) => sum + affectedBy(index, event).length, 0) / workload.events.length;
      /** A table with the workload's items for a reactor side, its stream records in time order, and a floor table beside it. */
      const prepare = async (name: string, segmentsLoaded: ReadonlyMap<string, Segment>) => {
        const tableName = `bench-segreact-${name}-${round}-${Date.now()}`;
        const floorTable = `${tableName}-floor`;
        await ensureTable(admin, tableName);
        await ensureTable(admin, floorTable);
        await seed(adminDb, tableName, workload.items);
        await seed(adminDb, floorTable, workload.items);
        const records = (await readAllStreamRecords(admin, tableName))
          .filter((r: DynamoDBRecord) => matchesFilter(r) && String(unmarshall(r.dynamodb!.NewImage as never).SK).startsWith('EVENT#'))
          .sort((a, b) => eventIdOf(a).localeCompare(eventIdOf(b)));
        const observed = observedClient(dynamo.endpoint);
        const react = reactorWith(segmentsLoaded, observed.db, tableName);
        const totals: SideTotals = { ms: 0, floorMs: 0, events: 0, transactItems: 0, segmentWrites: 0, calls: observed.byOperation };
        return { tableName, floorTable, records, observed, react, totals, segments: segmentsLoaded.size };
      };
      const sides = [await prepare('fifty', segments), await prepare('none', new Map())];
      say(`segments: round ${round + 1}: ${workload.events.length} events of ${workload.contacts} contacts; reactor with ${segments.size} segments and with none`);
      for (let i = 0; i < workload.events.length; i += BATCH) {
        // The two sides take turns batch by batch, each reactor batch followed by its floor, so DynamoDB Local's
        // drift over a run (it slows as items pile up) falls on all of them alike.
        for (const side of i % (2 * BATCH) === 0 ? sides : [...sides].reverse()) {
          const batch = side.records.slice(i, i + BATCH);
          let started = performance.now();
          const result = await side.react({ Records: batch });
          if (result.batchItemFailures.length) throw new Error('segment reactor bench: a batch failed');
          side.totals.ms += performance.now() - started;
          // The floor: the same DynamoDB work issued bare — the marker's consistent GetItem and the partition's
          // consistent Query together, then the very transaction the reactor committed, on a copy of its table.
          const planned = batch.map((record) => {
            const item = unmarshall(record.dynamodb!.NewImage as never);
            const transaction = side.observed.transactions.get(`${item.PK}|${item.SK}`);
            if (!transaction) throw new Error('segment reactor bench: an event was reacted to without a transaction');
            return { pk: String(item.PK), sk: String(item.SK), transaction: retarget(transaction, side.floorTable) };
          });
          started = performance.now();
          for (const { pk, sk, transaction } of planned) {
            await Promise.all([
              floorDb.send(new GetCommand({ TableName: side.floorTable, Key: { PK: pk, SK: sk }, ConsistentRead: true, ProjectionExpression: 'processedAt, PK' })),
              queryAll(floorDb, { TableName: side.floorTable, KeyConditionExpression: 'PK = :pk AND SK >= :floor', ExpressionAttributeValues: { ':pk': pk, ':floor': STATE_SK_FLOOR }, ConsistentRead: true }),
            ]);
            await floorClient.send(new TransactWriteItemsCommand({ TransactItems: transaction }));
          }
          side.totals.floorMs += performance.now() - started;
          side.totals.events += batch.length;
          for (const { transaction } of planned) {
            side.totals.transactItems += transaction.length;
            side.totals.segmentWrites += transaction.filter((t) => String((t.Put?.Item?.SK ?? t.Delete?.Key?.SK)?.S ?? '').startsWith('SEG#')).length;
          }
        }
      }
      const summary = (side: (typeof sides)[number]): SegmentReactorSide => {
        const total = Object.values(side.totals.calls).reduce((a, b) => a + b, 0);
        return {
          segments: side.segments,
          perSecond: side.totals.events / (side.totals.ms / 1_000),
          floorPerSecond: side.totals.events / (side.totals.floorMs / 1_000),
          callsPerEvent: total / side.totals.events,
          byOperation: Object.fromEntries(Object.entries(side.totals.calls).map(([op, n]) => [op, n / side.totals.events])),
          transactItemsPerEvent: side.totals.transactItems / side.totals.events,
          segmentWritesPerEvent: side.totals.segmentWrites / side.totals.events,
        };
      };
      const [fifty, none] = sides.map(summary) as [SegmentReactorSide, SegmentReactorSide];
      for (const side of sides) {
        side.observed.client.destroy();
        // Dropped before the next round, so DynamoDB Local does not slow under the tables piling up.
        for (const table of [side.tableName, side.floorTable]) await admin.send(new DeleteTableCommand({ TableName: table }));
      }
      rounds.push({ with: fifty, without: none });
      say(
        `segments: round ${round + 1}: ${fifty.segments} segments ${fifty.perSecond.toFixed(0)} events/s (floor ${fifty.floorPerSecond.toFixed(0)}), ` +
          `none ${none.perSecond.toFixed(0)} events/s (floor ${none.floorPerSecond.toFixed(0)})`,
      );
    } finally {
      admin.destroy();
      floorClient.destroy();
      await dynamo.stop();
    }
  }
  // The round whose ratio is the median stands for the run (its numbers stay consistent with each other).
  const medianBy = (pick: (r: (typeof rounds)[number]) => SegmentReactorSide) =>
    pick([...rounds].sort((a, b) => pick(a).perSecond / pick(a).floorPerSecond - pick(b).perSecond / pick(b).floorPerSecond)[Math.floor(rounds.length / 2)]!);
  return { events, contacts, affectedPerEvent: affected, withSegments: medianBy((r) => r.with), withoutSegments: medianBy((r) => r.without) };
}

function eventIdOf(record: DynamoDBRecord): string {
  return String(unmarshall(record.dynamodb!.NewImage as never).eventId);
}

/** The same transaction items, addressed to another table. */
function retarget(items: NonNullable<TransactWriteItemsCommandInput['TransactItems']>, tableName: string) {
  return items.map((item) => Object.fromEntries(Object.entries(item).map(([kind, body]) => [kind, { ...body, TableName: tableName }])));
}

/** The report's section, Markdown, with a verdict per goal. */
export function segmentReactorSection(result: SegmentReactorResult): { markdown: string; verdicts: { goal: string; met: boolean }[] } {
  const verdicts: { goal: string; met: boolean }[] = [];
  const verdict = (goal: string, met: boolean) => {
    verdicts.push({ goal, met });
    return met ? 'met' : '**MISS**';
  };
  const { withSegments: fifty, withoutSegments: none } = result;
  const ratio = fifty.perSecond / fifty.floorPerSecond;
  const noneRatio = none.perSecond / none.floorPerSecond;
  const ops = (side: SegmentReactorSide) => Object.entries(side.byOperation).map(([op, n]) => `${op} ${n.toFixed(2)}`).join(', ');
  const lines = [
    '## Segments: the reactor with 50 segments',
    '',
    '| measure | value | goal |',
    '| --- | ---: | --- |',
    `| reactor events/s with ${fifty.segments} segments ${fifty.perSecond.toFixed(0)} vs bare floor ${fifty.floorPerSecond.toFixed(0)} (${result.events} events of ${result.contacts} contacts, batches of ${BATCH}; ${result.affectedPerEvent.toFixed(1)} segments affected per event, ${fifty.segmentWritesPerEvent.toFixed(2)} segment items written per event, ${fifty.transactItemsPerEvent.toFixed(1)} items per transaction) | ${ratio.toFixed(2)}× | ≥ ${segmentReactorGoals.minReactorRatio}×: ${verdict(`reactor with ${fifty.segments} segments ${ratio.toFixed(2)}× the floor's events/s (goal ≥ ${segmentReactorGoals.minReactorRatio}×)`, ratio >= segmentReactorGoals.minReactorRatio)} |`,
    `| DynamoDB calls per event with ${fifty.segments} segments (${ops(fifty)}) | ${fifty.callsPerEvent.toFixed(2)} | ≤ ${segmentReactorGoals.maxCallsPerEvent}: ${verdict(`reactor with ${fifty.segments} segments: ${fifty.callsPerEvent.toFixed(2)} DynamoDB calls per event (goal ≤ ${segmentReactorGoals.maxCallsPerEvent})`, fifty.callsPerEvent <= segmentReactorGoals.maxCallsPerEvent)} |`,
    `| the same reactor with no segment: events/s ${none.perSecond.toFixed(0)} vs bare floor ${none.floorPerSecond.toFixed(0)} (${none.transactItemsPerEvent.toFixed(1)} items per transaction; ${ops(none)}) | ${noneRatio.toFixed(2)}× | report |`,
    `| events/s with ${fifty.segments} segments vs with none | ${(fifty.perSecond / none.perSecond).toFixed(2)}× | report |`,
    '',
    'The reactor runs every registered capability, its segments capability holding 50 segments built in the bench from ' +
      'the shapes of the shipped ones (behaviour counts and windows, "not … within", budget, stage, score and consent ' +
      'conditions), over a generated month of page views, tracked events, email clicks and form posts of existing ' +
      'contacts, as the stream delivers them. Step Functions starts, hand-offs and sends are answered at once (not the ' +
      'reactor\'s cost). Each side\'s floor is the same DynamoDB work issued bare, event by event, on a copy of its ' +
      'table: the marker\'s consistent GetItem and the partition\'s consistent Query together, then the very ' +
      'TransactWriteItems the reactor committed for that event (same items, same size). Reactor and floor batches ' +
      `alternate; the median of ${ROUNDS} rounds by ratio is shown. DynamoDB calls are counted in the reactor's own client, ` +
      'per request sent (retries included).',
    '',
  ];
  return { markdown: lines.join('\n'), verdicts };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const result = await benchSegmentReactor((line) => console.error(`[segments] ${line}`));
  console.log(JSON.stringify(result, null, 2));
  console.log(segmentReactorSection(result).markdown);
  process.exit(0);
}
