/**
 * Scoring and CRM bench (part of `npm run bench`; alone: `npx tsx bench/scoring.ts`):
 * - rescore replay: events per second on one core through the pure scoring and stage rules, over a generated
 *   timeline of 100,000 contacts;
 * - the reactor with the scoring rule against its bare DynamoDB floor (the same DynamoDB calls issued directly: the
 *   consistent read, then one transaction with the marker, score, stage and derived events), events per second over
 *   real stream records in DynamoDB Local;
 * - hand-offs per second to the local HubSpot-compatible receiver, with DynamoDB calls per hand-off.
 */
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { BatchGetCommand, DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { Contact } from '../functions/shared/contact';
import { DynamoContacts } from '../functions/contacts/dynamo-contacts';
import { DynamoCrmStore } from '../functions/crm/dynamo-crm-store';
import { handOff } from '../functions/crm/hand-off';
import { HubSpotCrm } from '../functions/crm/hubspot';
import { DynamoReactorStore } from '../functions/reactor/dynamo-reactor-store';
import { makeReactor, type ReactorDeps } from '../functions/reactor/reactor';
import { matchesFilter } from '../functions/reactor/stream-filter';
import { lifecycle, scoringRules } from '../functions/scoring/domain/content';
import { scoringRule } from '../functions/scoring/domain/lifecycle-rule';
import { replayTimeline } from '../functions/scoring/domain/replay';
import { EventName } from '../functions/shared/events';
import { ulid } from '../functions/shared/ids';
import type { Logger } from '../functions/shared/logger';
import { parseTimelineItem, type TimelineEvent } from '../functions/shared/timeline';
import { keys } from '../functions/shared/keys';
import { startCrmReceiver } from '../local/crm-receiver';
import { ensureTable, localCredentials, localRegion, startDynamoDbLocal } from '../local/dynamodb-local';
import { captureGetRecordsWire, toLambdaRecord } from '../local/stream-poller';

export const scoringGoals = { minReplayEventsPerSecond: 200_000, minReactorRatio: 0.7 } as const;

export interface ScoringBenchResult {
  readonly replay: { readonly contacts: number; readonly events: number; readonly eventsPerSecond: number };
  readonly reactor: { readonly events: number; readonly scoring: number; readonly floor: number };
  readonly handOffs: { readonly count: number; readonly concurrency: number; readonly perSecond: number; readonly dynamoCallsPerHandOff: number; readonly byOperation: Record<string, number> };
}

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A deterministic pseudo-random generator, so every run replays the same timelines. */
export function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Contacts with 4–16 events each over about 90 days: forms, page views, clicks, webinars, demos, orders. */
export function generateTimelines(contacts: number, next: () => number): { profile: Contact; events: TimelineEvent[] }[] {
  const start = Date.parse('2026-06-01T00:00:00.000Z');
  const titles = ['VP Sales', 'Engineer', 'Director of IT', 'Student', 'CTO', 'Marketing Manager'];
  const out: { profile: Contact; events: TimelineEvent[] }[] = [];
  for (let c = 0; c < contacts; c++) {
    const contactId = ulid(start);
    const profile: Contact = {
      contactId,
      email: next() < 0.2 ? `p${c}@gmail.com` : `p${c}@company${c % 500}.example`,
      attributes: { budget: Math.floor(next() * 20_000), job_title: titles[c % titles.length]!, company_size: Math.floor(next() * 1_000) },
      createdAt: new Date(start).toISOString(),
      updatedAt: new Date(start).toISOString(),
    };
    const count = 4 + Math.floor(next() * 13);
    let at = start;
    const events: TimelineEvent[] = [];
    for (let e = 0; e < count; e++) {
      at += Math.floor(next() * 7 * 86_400_000);
      const occurredAt = new Date(at).toISOString();
      const base = { eventId: ulid(at), contactId, occurredAt };
      const kind = next();
      events.push(
        kind < 0.15
          ? { ...base, type: EventName.FormSubmitted, data: { formId: 'demo-request', fields: { email: profile.email }, utm: {} } }
          : kind < 0.45
            ? { ...base, type: EventName.PageViewed, data: { url: 'https://acme.example/pricing', path: next() < 0.5 ? '/pricing' : '/blog/post' } }
            : kind < 0.75
              ? ({ ...base, type: 'email.clicked', data: { messageId: 'm', templateId: 't', url: 'https://acme.example', linkIndex: 0, machine: next() < 0.1 } } as TimelineEvent)
              : { ...base, type: EventName.Tracked, data: { event: ['webinar_attended', 'demo_booked', 'order_completed', 'checkout_started'][Math.floor(next() * 4)]!, properties: {} } },
      );
    }
    out.push({ profile, events });
  }
  return out;
}

export function benchReplay(contacts: number) {
  // Generated and replayed 10,000 contacts at a time, so the heap holds one slice, not a million events; only the
  // replay's CPU time is counted (CPU, not wall time: "per core", and fair on a machine other work shares).
  const SLICE = 10_000;
  const next = random(42);
  const warm = generateTimelines(2_000, next);
  for (const t of warm) replayTimeline(scoringRules, lifecycle, t.profile, t.events);
  let events = 0;
  let mqls = 0;
  let cpuMicros = 0;
  const collectGarbage = exposedGc();
  for (let done = 0; done < contacts; done += SLICE) {
    const slice = generateTimelines(Math.min(SLICE, contacts - done), next);
    // The generator's garbage is collected before the clock starts, so the replay pays only for its own.
    collectGarbage();
    const started = process.cpuUsage();
    for (const t of slice) if (replayTimeline(scoringRules, lifecycle, t.profile, t.events).stage === 'mql') mqls++;
    const used = process.cpuUsage(started);
    cpuMicros += used.user + used.system;
    for (const t of slice) events += t.events.length;
  }
  return { contacts, events, eventsPerSecond: events / (cpuMicros / 1e6), mqls };
}

/** V8's full collection, made callable without starting node with --expose-gc. */
function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Counts every DynamoDB request a client sends, by operation. */
function countCalls(client: DynamoDBClient) {
  const byOperation: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const op = String(context.commandName).replace(/Command$/, '');
      byOperation[op] = (byOperation[op] ?? 0) + 1;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchCountCalls' },
  );
  return {
    byOperation,
    reset: () => {
      for (const key of Object.keys(byOperation)) delete byOperation[key];
    },
    total: () => Object.values(byOperation).reduce((a, b) => a + b, 0),
  };
}

export async function benchScoring(say: (line: string) => void = () => undefined): Promise<ScoringBenchResult> {
  say('scoring: generating 100,000 timelines and replaying them on one core');
  const replay = benchReplay(100_000);
  say(`scoring: ${replay.events} events replayed at ${replay.eventsPerSecond.toFixed(0)}/s (${replay.mqls} MQLs)`);

  say('scoring: starting DynamoDB Local for the reactor and hand-off benches');
  const dynamo = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: localRegion, credentials: localCredentials });
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const receiver = await startCrmReceiver();
  try {
    const reactor = await benchReactor(client, db, say);
    const handOffs = await benchHandOffs(client, db, receiver.url, say);
    return { replay, reactor, handOffs };
  } finally {
    await receiver.close();
    client.destroy();
    await dynamo.stop();
  }
}

async function benchReactor(client: DynamoDBClient, db: DynamoDBDocumentClient, say: (line: string) => void) {
  const EVENTS = 300;
  const rule = scoringRule(scoringRules, lifecycle);
  const rounds: { scoring: number; floor: number }[] = [];
  /** A table with EVENTS new form posts (budgets spread so some become MQLs), and their stream records. */
  const prepare = async (name: string) => {
    const tableName = `bench-${name}-${Date.now()}`;
    await ensureTable(client, tableName);
    const contacts = new DynamoContacts(db, tableName);
    for (let i = 0; i < EVENTS; i++) {
      const email = `r${i}@acme${i % 7}.example`;
      await contacts.recordSubmission(email, { formId: 'demo-request', fields: { email, budget: (i * 97) % 12_000 }, utm: {} }, new Date(Date.UTC(2026, 10, 1, 0, 0, i)));
    }
    const records = (await readAllStreamRecords(client, tableName)).filter(
      (r: DynamoDBRecord) => matchesFilter(r) && unmarshall(r.dynamodb!.NewImage as never).type === EventName.FormSubmitted,
    );
    return { tableName, records };
  };
  for (let round = 0; round < 3; round++) {
    // Both tables are prepared first, then the two sides take turns batch by batch, so DynamoDB Local's drift over
    // a run (it slows as tables and items pile up) falls on both alike.
    const withScoring = await prepare(`scoring-${round}`);
    const bare = await prepare(`floor-${round}`);
    // With scoring: the reactor itself, the scoring rule its only rule.
    const journeys = new Proxy({}, { get: () => async () => ({ type: 'Started' }) }) as ReactorDeps['journeys'];
    const react = makeReactor({
      store: new DynamoReactorStore(db, withScoring.tableName),
      journeys,
      handOffs: { enqueue: async () => undefined },
      clock: { now: () => new Date() },
      logger: quiet,
      rules: [rule],
    });
    // The floor: the same DynamoDB calls issued directly — a consistent read of the event and the profile, then one
    // transaction with the processed marker, the score and stage, and the derived events — decided beforehand.
    const planned = bare.records.map((record) => parseTimelineItem(unmarshall(record.dynamodb!.NewImage as never))!);
    const floorOne = async (event: TimelineEvent) => {
      const { Responses } = await db.send(
        new BatchGetCommand({ RequestItems: { [bare.tableName]: { Keys: [keys.event(event.contactId, event.eventId), keys.profile(event.contactId)], ConsistentRead: true } } }),
      );
      const profile = Responses?.[bare.tableName]?.find((item) => item.SK === 'PROFILE') as Contact | undefined;
      const update = rule({ event, contact: profile! }).find((d) => d.type === 'UpdateLifecycle');
      if (!update || update.type !== 'UpdateLifecycle') return;
      await db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: bare.tableName,
                Key: keys.event(event.contactId, event.eventId),
                UpdateExpression: 'SET processedAt = :at',
                ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(processedAt)',
                ExpressionAttributeValues: { ':at': new Date().toISOString() },
              },
            },
            {
              Update: {
                TableName: bare.tableName,
                Key: keys.profile(event.contactId),
                UpdateExpression: 'SET score = :score, stage = :stage, stageChangedAt = :at',
                ConditionExpression: 'attribute_exists(PK)',
                ExpressionAttributeValues: { ':score': update.score, ':stage': update.stage?.to ?? 'lead', ':at': event.occurredAt },
              },
            },
            ...update.events.map((e) => ({ Put: { TableName: bare.tableName, Item: { ...keys.event(e.contactId, e.eventId), ...e }, ConditionExpression: 'attribute_not_exists(PK)' } })),
          ],
        }),
      );
    };
    let scoringMs = 0;
    let floorMs = 0;
    for (let i = 0; i < Math.max(withScoring.records.length, planned.length); i += 100) {
      let started = performance.now();
      const result = await react({ Records: withScoring.records.slice(i, i + 100) });
      if (result.batchItemFailures.length) throw new Error('reactor bench: a batch failed');
      scoringMs += performance.now() - started;
      started = performance.now();
      for (const event of planned.slice(i, i + 100)) await floorOne(event);
      floorMs += performance.now() - started;
    }
    const scoring = withScoring.records.length / (scoringMs / 1_000);
    const floor = planned.length / (floorMs / 1_000);
    rounds.push({ scoring, floor });
    say(`scoring: reactor round ${round + 1}: scoring ${scoring.toFixed(0)} events/s, floor ${floor.toFixed(0)} events/s`);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { events: EVENTS, scoring: median(rounds.map((r) => r.scoring)), floor: median(rounds.map((r) => r.floor)) };
}

async function benchHandOffs(client: DynamoDBClient, db: DynamoDBDocumentClient, receiverUrl: string, say: (line: string) => void) {
  const COUNT = 300;
  const CONCURRENCY = 8;
  const tableName = `bench-handoff-${Date.now()}`;
  await ensureTable(client, tableName);
  const contacts = new DynamoContacts(db, tableName);
  const ids: string[] = [];
  for (let i = 0; i < COUNT; i++) {
    const { contactId } = await contacts.recordSubmission(`h${i}@acme.example`, { formId: 'demo-request', fields: { email: `h${i}@acme.example`, first_name: 'H', budget: 9000 }, utm: {} }, new Date());
    ids.push(contactId);
  }
  const calls = countCalls(client);
  const deps = {
    store: new DynamoCrmStore(db, tableName),
    crm: new HubSpotCrm({ accessToken: 'local-hubspot-token', baseUrl: receiverUrl }, { allowLoopback: true }),
    rules: scoringRules,
    lifecycle,
    clock: { now: () => new Date() },
    logger: quiet,
  };
  say(`scoring: ${COUNT} hand-offs to the local receiver, ${CONCURRENCY} at a time`);
  let nextIndex = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (nextIndex < ids.length) {
        const contactId = ids[nextIndex++]!;
        await handOff({ contactId, idempotencyKey: `bench-${contactId}`, source: 'bench' }, deps);
      }
    }),
  );
  const perSecond = COUNT / ((performance.now() - started) / 1_000);
  return { count: COUNT, concurrency: CONCURRENCY, perSecond, dynamoCallsPerHandOff: calls.total() / COUNT, byOperation: { ...calls.byOperation } };
}

/** Every record on a table's stream so far, as a Lambda event source mapping delivers them (for benches). */
export async function readAllStreamRecords(client: DynamoDBClient, tableName: string): Promise<DynamoDBRecord[]> {
  const config = await client.config.endpoint?.();
  const streams = new DynamoDBStreamsClient({
    endpoint: config ? `${config.protocol}//${config.hostname}:${config.port}` : undefined,
    region: await client.config.region(),
    credentials: await client.config.credentials(),
  });
  const wire = captureGetRecordsWire(streams);
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const StreamArn = Table!.LatestStreamArn!;
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn }));
    const records: DynamoDBRecord[] = [];
    for (const shard of StreamDescription?.Shards ?? []) {
      let { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
      while (ShardIterator) {
        const command = new GetRecordsCommand({ ShardIterator });
        const page = await streams.send(command);
        const batch = wire.take(command);
        records.push(...batch.map((record) => toLambdaRecord(record, StreamArn, 'us-east-1')));
        if (batch.length === 0) break;
        ShardIterator = page.NextShardIterator;
      }
    }
    return records;
  } finally {
    streams.destroy();
  }
}

export function scoringSection(result: ScoringBenchResult): { markdown: string; verdicts: { goal: string; met: boolean }[] } {
  const verdicts: { goal: string; met: boolean }[] = [];
  const verdict = (goal: string, met: boolean) => {
    verdicts.push({ goal, met });
    return met ? 'met' : '**MISS**';
  };
  const ratio = result.reactor.scoring / result.reactor.floor;
  const perOp = Object.entries(result.handOffs.byOperation)
    .map(([op, n]) => `${op} ${(n / result.handOffs.count).toFixed(2)}`)
    .join(', ');
  const lines = [
    '## Scoring and CRM',
    '',
    '| measure | value | goal |',
    '| --- | ---: | --- |',
    `| rescore replay, events per CPU-second on one core (${result.replay.contacts.toLocaleString('en')} contacts, ${result.replay.events.toLocaleString('en')} events, pure scoring and stages) | ${result.replay.eventsPerSecond.toFixed(0)} | ≥ ${scoringGoals.minReplayEventsPerSecond}: ${verdict(`rescore replay ${result.replay.eventsPerSecond.toFixed(0)} events per CPU-second (goal ≥ ${scoringGoals.minReplayEventsPerSecond})`, result.replay.eventsPerSecond >= scoringGoals.minReplayEventsPerSecond)} |`,
    `| reactor events/s with the scoring rule ${result.reactor.scoring.toFixed(0)} vs bare floor ${result.reactor.floor.toFixed(0)} (batches of 100, one shard) | ${ratio.toFixed(2)}× | ≥ ${scoringGoals.minReactorRatio}×: ${verdict(`reactor with scoring ${ratio.toFixed(2)}× the floor's events/s (goal ≥ ${scoringGoals.minReactorRatio}×)`, ratio >= scoringGoals.minReactorRatio)} |`,
    `| hand-offs/s to the local HubSpot-compatible receiver (${result.handOffs.concurrency} at a time; upsert + note) | ${result.handOffs.perSecond.toFixed(1)} | report |`,
    `| DynamoDB calls per hand-off (${perOp}) | ${result.handOffs.dynamoCallsPerHandOff.toFixed(2)} | 4 (lease, idempotency read, profile read, one transaction) |`,
    '',
    'The reactor floor issues the same DynamoDB calls directly, one event after another: a consistent BatchGetItem of ' +
      'the event and the profile, then one TransactWriteItems with the processed marker, the score and stage, and the ' +
      'derived `score.changed`/`stage.changed` events (decided beforehand). The ratio is what the reactor and the pure ' +
      'scoring cost on top of that I/O. Everything runs against DynamoDB Local on this machine, which is far slower per ' +
      'call than DynamoDB.',
    '',
  ];
  return { markdown: lines.join('\n'), verdicts };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const result = await benchScoring((line) => console.error(`[scoring] ${line}`));
  console.log(scoringSection(result).markdown);
  process.exit(0);
}
