/**
 * Journeys bench (part of `npm run bench`; alone: `npx tsx bench/journeys.ts`):
 * - state transitions per contact for every path of every shipped journey (from the simulator, which runs the
 *   compiled ASL in the same engine as the local runtime), and what they cost at Step Functions' list price;
 * - the reactor with the journey rules (trigger matching, entry rules, enrolment writes) against its bare DynamoDB
 *   floor (the same reactor with no rule), events per second over real stream records in DynamoDB Local.
 */
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { DynamoContacts } from '../functions/contacts/dynamo-contacts';
import { journeyRules } from '../functions/journeys/domain/rules';
import { journeys } from '../functions/journeys/journeys';
import { decide } from '../functions/capabilities';
import { isWrite, type Rule, type WriteDecision } from '../functions/capabilities';
import { DynamoReactorStore } from '../functions/reactor/dynamo-reactor-store';
import { makeReactor, type ReactorDeps } from '../functions/reactor/reactor';
import { matchesFilter } from '../functions/reactor/stream-filter';
import { stageRankOf } from '../functions/scoring/domain/content';
import { EventName } from '../functions/shared/events';
import type { Logger } from '../functions/shared/logger';
import { parseTimelineItem, type TimelineEvent } from '../functions/shared/timeline';
import { simulate, type SimulatedContact, type SimulatedEvent } from '../lib/journeys/simulator';
import { ensureTable, localCredentials, localRegion, startDynamoDbLocal } from '../local/dynamodb-local';
import { readAllStreamRecords } from './scoring';

/** Step Functions Standard, us-east-1 list price: $0.025 per 1,000 state transitions. Lambda: $0.20 per 1M requests. */
const PRICE_PER_TRANSITION = 0.025 / 1_000;
const PRICE_PER_LAMBDA_REQUEST = 0.2 / 1_000_000;
export const journeyGoals = { minReactorRatio: 0.7 } as const;

interface PathCase {
  readonly journeyId: string;
  readonly path: string;
  readonly contact: SimulatedContact;
  readonly events?: SimulatedEvent[];
}

/** One case per path of each shipped journey, as the simulator tests cover them. */
const cases: PathCase[] = [
  { journeyId: 'budget-router', path: 'budget ≥ $5,000: hand off, "a rep will call"', contact: { attributes: { budget: 9_000 } } },
  { journeyId: 'budget-router', path: 'budget < $5,000, no click: 4 emails over 14 days', contact: { attributes: { budget: 2_000 } } },
  { journeyId: 'budget-router', path: 'budget < $5,000, clicks email 2: demo offer', contact: { attributes: { budget: 2_000 } }, events: [{ at: '+4d', type: 'email.clicked', data: { templateId: 'nurture-2', machine: false } }] },
  { journeyId: 'budget-router', path: 'budget < $5,000, books a demo on day 1 (goal)', contact: { attributes: { budget: 2_000 } }, events: [{ at: '+1d', event: 'demo_booked' }] },
  { journeyId: 'welcome', path: 'welcome + 2 tips', contact: { attributes: { time_zone: 'Europe/Paris' } } },
  { journeyId: 'cart-recovery', path: 'no order: 2 reminders', contact: { attributes: {} } },
  { journeyId: 'cart-recovery', path: 'order within the hour (goal)', contact: { attributes: {} }, events: [{ at: '+30m', event: 'order_completed' }] },
  { journeyId: 'trial-expiry', path: '3 days before, and on the day', contact: { attributes: { trial_ends_at: '2026-11-26' } } },
];

export interface JourneysBenchResult {
  readonly paths: { journeyId: string; path: string; transitions: number; lambdaInvocations: number; costPer1000: number }[];
  readonly reactor: { readonly events: number; readonly journeys: number; readonly floor: number };
}

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

async function benchPaths(): Promise<JourneysBenchResult['paths']> {
  const start = new Date('2026-11-23T15:00:00.000Z');
  const out: JourneysBenchResult['paths'] = [];
  for (const c of cases) {
    const result = await simulate(journeys.get(c.journeyId)!, { contact: c.contact, events: c.events ?? [], start, stageRank: stageRankOf });
    // Every state entered is one billed transition (the execution's start is free).
    const transitions = result.path.length;
    const definitionTasks = result.path.filter((p) => !/\.(route|deferred\?|window|wait)$/.test(p.state) && !p.state.startsWith('journey.') && isTask(c.journeyId, p.state)).length;
    out.push({
      journeyId: c.journeyId,
      path: c.path,
      transitions,
      lambdaInvocations: definitionTasks,
      costPer1000: 1_000 * (transitions * PRICE_PER_TRANSITION + definitionTasks * PRICE_PER_LAMBDA_REQUEST),
    });
  }
  return out;
}

function isTask(journeyId: string, state: string): boolean {
  const step = journeys.get(journeyId)!.steps.find((s) => s.id === state);
  return step !== undefined && !['wait', 'split', 'exit'].includes(step.type);
}

async function benchReactor(say: (line: string) => void): Promise<JourneysBenchResult['reactor']> {
  const dynamo = await startDynamoDbLocal();
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: localRegion, credentials: localCredentials });
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const EVENTS = 300;
  const rounds: { journeys: number; floor: number }[] = [];
  try {
    for (let round = 0; round < 3; round++) {
      /** A table with EVENTS new demo requests, their stream records, and a reactor with `rules` over it. */
      const prepare = async (rules: readonly Rule[]) => {
        const tableName = `bench-journeys-${round}-${rules.length}-${Date.now()}`;
        await ensureTable(client, tableName);
        const contacts = new DynamoContacts(db, tableName);
        for (let i = 0; i < EVENTS; i++) {
          await contacts.recordSubmission(`j${i}@acme${i % 7}.example`, { formId: 'demo-request', fields: { email: `j${i}@acme${i % 7}.example`, budget: (i * 97) % 12_000 }, utm: {} }, new Date(Date.UTC(2026, 10, 1, 0, 0, i)));
        }
        const records = (await readAllStreamRecords(client, tableName)).filter((r: DynamoDBRecord) => matchesFilter(r) && unmarshall(r.dynamodb!.NewImage as never).type === EventName.FormSubmitted);
        // Step Functions itself is outside the reactor's work: starts are answered at once.
        const starts = { start: async () => ({ type: 'Started' as const }), stop: async () => ({ type: 'Stopped' as const }), resume: async () => ({ type: 'Resumed' as const }) };
        const react = makeReactor({ store: new DynamoReactorStore(db, tableName), journeys: starts as ReactorDeps['journeys'], handOffs: { enqueue: async () => undefined }, clock: { now: () => new Date() }, logger: quiet, rules });
        return { tableName, records, react };
      };
      // Both tables are prepared first, then the two sides take turns batch by batch (as the scoring bench does), so
      // DynamoDB Local's drift over a run falls on both alike.
      const rule = journeyRules(journeys, stageRankOf);
      const bare = await prepare([]);
      const withRules = await prepare([rule]);
      // The floor is the reactor's bare DynamoDB work for the same events: its load (the marker and the contact's
      // state) and one transaction with the marker and the very writes the journey rules decide, decided beforehand.
      // Both tables are read once before the clock starts, so neither side runs cold.
      const store = new DynamoReactorStore(db, bare.tableName);
      const planned: { event: TimelineEvent; writes: WriteDecision[] }[] = [];
      for (const record of bare.records) {
        const event = parseTimelineItem(unmarshall(record.dynamodb!.NewImage as never))!;
        const loaded = await store.load(event);
        if (loaded.type !== 'Loaded') throw new Error('journeys bench: an event of the floor table is gone');
        const { type: _loaded, ...state } = loaded;
        planned.push({ event, writes: decide({ event, ...state }, [rule]).filter(isWrite) });
      }
      const withRulesStore = new DynamoReactorStore(db, withRules.tableName);
      for (const record of withRules.records) await withRulesStore.load(parseTimelineItem(unmarshall(record.dynamodb!.NewImage as never))!);
      const elapsed = { floor: 0, journeys: 0 };
      for (let i = 0; i < Math.max(planned.length, withRules.records.length); i += 100) {
        let started = performance.now();
        const result = await withRules.react({ Records: withRules.records.slice(i, i + 100) });
        if (result.batchItemFailures.length) throw new Error('journeys bench: a batch failed');
        elapsed.journeys += performance.now() - started;
        started = performance.now();
        for (const { event, writes } of planned.slice(i, i + 100)) {
          const loaded = await store.load(event);
          if (loaded.type !== 'Loaded') throw new Error('journeys bench: an event of the floor table is gone');
          await store.commit(event, writes, new Date(), loaded.asLoaded);
        }
        elapsed.floor += performance.now() - started;
      }
      const floor = planned.length / (elapsed.floor / 1_000);
      const withJourneys = withRules.records.length / (elapsed.journeys / 1_000);
      rounds.push({ journeys: withJourneys, floor });
      say(`journeys: reactor round ${round + 1}: with journey rules ${withJourneys.toFixed(0)} events/s, floor ${floor.toFixed(0)} events/s`);
    }
  } finally {
    client.destroy();
    await dynamo.stop();
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { events: EVENTS, journeys: median(rounds.map((r) => r.journeys)), floor: median(rounds.map((r) => r.floor)) };
}

export async function benchJourneys(say: (line: string) => void = () => undefined): Promise<JourneysBenchResult> {
  say('journeys: state transitions per path of every shipped journey (simulator, same ASL and engine)');
  const paths = await benchPaths();
  say('journeys: reactor with journey rules against its floor');
  const reactor = await benchReactor(say);
  return { paths, reactor };
}

export function journeysSection(result: JourneysBenchResult): { markdown: string; verdicts: { goal: string; met: boolean }[] } {
  const ratio = result.reactor.journeys / result.reactor.floor;
  const met = ratio >= journeyGoals.minReactorRatio;
  const verdicts = [{ goal: `reactor with journey rules ${ratio.toFixed(2)}× the floor's events/s (goal ≥ ${journeyGoals.minReactorRatio}×)`, met }];
  const lines = [
    '## Journeys',
    '',
    'State transitions are what a Standard workflow bills ($0.025 per 1,000 at list price, us-east-1); Lambda requests',
    'are the Task states that call a function ($0.20 per million, duration not included). Counted on the compiled ASL',
    'by the simulator, which runs it in the same engine as the local runtime.',
    '',
    '| journey | path | transitions | Lambda requests | cost per 1,000 contacts |',
    '| --- | --- | ---: | ---: | ---: |',
    ...result.paths.map((p) => `| ${p.journeyId} | ${p.path} | ${p.transitions} | ${p.lambdaInvocations} | $${p.costPer1000.toFixed(4)} |`),
    '',
    '| measure | value | goal |',
    '| --- | ---: | --- |',
    `| reactor events/s with journey rules ${result.reactor.journeys.toFixed(0)} vs bare floor ${result.reactor.floor.toFixed(0)} (${result.reactor.events} demo requests, batches of 100; each enrols: membership + journey.entered in the transaction) | ${ratio.toFixed(2)}× | ≥ ${journeyGoals.minReactorRatio}×: ${met ? 'met' : '**MISS**'} |`,
    '',
    'The floor is the reactor\'s bare DynamoDB work for the same events, issued directly (as in the scoring bench): its',
    'consistent load of the marker and the contact\'s state, then one transaction with the marker and the writes the',
    'journey rules decide (decided beforehand). Every demo request matches budget-router\'s trigger, passes the entry',
    'rules and enrols: a Step Functions start (answered at once here: the service is not the reactor\'s cost) and the',
    'membership and `journey.entered` in the transaction. The two sides take turns batch by batch.',
    '',
  ];
  return { markdown: lines.join('\n'), verdicts };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const result = await benchJourneys((line) => console.error(`[journeys] ${line}`));
  console.log(journeysSection(result).markdown);
  process.exit(0);
}
