import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { decide, replay } from '../../functions/capabilities';
import { isWrite, type Rule } from '../../functions/capabilities';
import { DynamoReactorStore } from '../../functions/reactor/dynamo-reactor-store';
import { LifecycleConflict } from '../../functions/scoring/capability';
import type { JourneyStarter } from '../../functions/journeys/ports';
import { makeReactor, type ReactorDeps } from '../../functions/reactor/reactor';
import { matchesFilter, timelineInsertFilter } from '../../functions/reactor/stream-filter';
import { countEvents, tally } from '../../functions/reports/domain/metrics';
import { DynamoMetrics } from '../../functions/reports/dynamo-metrics';
import { lifecycle, scoringRules } from '../../functions/scoring/domain/content';
import { scoringRule } from '../../functions/scoring/domain/lifecycle-rule';
import { keys } from '../../functions/shared/keys';
import { parseTimelineItem, type TimelineEvent } from '../../functions/shared/timeline';
import { memoryLogger } from '../support/http';
import { readStream } from '../support/stream';
import { createTestTable, type TestTable } from '../support/table';

let table: TestTable;
let contacts: DynamoContacts;
let metrics: DynamoMetrics;
const clock = { now: () => new Date('2026-11-23T12:00:00.000Z') };

beforeAll(async () => {
  table = await createTestTable();
  contacts = new DynamoContacts(table.documentClient, table.tableName);
  metrics = new DynamoMetrics(table.documentClient, table.tableName);
});

/** Journey starts as Step Functions would take them: a second start with the same name is a no-op. */
function recordingStarter(): JourneyStarter & { names: string[]; started: Set<string> } {
  const started = new Set<string>();
  const names: string[] = [];
  return {
    names,
    started,
    start: async (decision) => {
      names.push(decision.executionName);
      if (started.has(decision.executionName)) return { type: 'AlreadyStarted' };
      started.add(decision.executionName);
      return { type: 'Started' };
    },
    stop: async () => ({ type: 'NotRunning' }),
    resume: async () => ({ type: 'NotWaiting' }),
  };
}

/** A journey rule standing in for the journeys capability: every event enrols its contact in "welcome". */
const enrolEveryone: Rule = ({ event }) => [
  { type: 'StartJourney', journeyId: 'welcome', executionName: `welcome-${event.contactId}-${event.eventId}`, input: {} },
];

function reactorWith(overrides: Partial<ReactorDeps> = {}) {
  return makeReactor({
    store: new DynamoReactorStore(table.documentClient, table.tableName),
    journeys: recordingStarter(),
    clock,
    logger: memoryLogger(),
    ...overrides,
  });
}

let run = 0;
/** New form events on their own days (each test gets fresh days), and their stream records as Lambda gets them. */
async function newEventRecords(count: number): Promise<{ records: DynamoDBRecord[]; days: string[] }> {
  run++;
  const days: string[] = [];
  const ids = new Set<string>();
  for (let i = 0; i < count; i++) {
    const day = `2025-${String(run).padStart(2, '0')}-${String(10 + (i % 2)).padStart(2, '0')}`;
    days.push(day);
    const { eventId } = await contacts.recordSubmission(
      `r-${run}-${i}@example.com`,
      { formId: 'demo-request', fields: { first_name: 'R' }, utm: {} },
      new Date(`${day}T08:00:00.000Z`),
    );
    ids.add(eventId);
  }
  const records = (await readStream(table)).filter(
    (record) => matchesFilter(record) && ids.has(unmarshall(record.dynamodb!.NewImage as never).eventId as string),
  );
  return { records, days: [...new Set(days)].sort() };
}

async function storedEvent(record: DynamoDBRecord) {
  const { contactId, eventId } = unmarshall(record.dynamodb!.NewImage as never);
  const { Item } = await table.documentClient.send(
    new GetCommand({ TableName: table.tableName, Key: keys.event(contactId as string, eventId as string) }),
  );
  return Item;
}

const formCounts = (from: string, to: string) => metrics.daily('events.form.submitted', from, to);

describe('reactor, against DynamoDB Local', () => {
  it('marks each new timeline event processed and counts it once towards its day', async () => {
    const { records, days } = await newEventRecords(3);
    const react = reactorWith();

    const response = await react({ Records: records });

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await formCounts(days[0]!, days[1]!)).toEqual(new Map([[days[0]!, 2], [days[1]!, 1]]));
    for (const record of records) expect((await storedEvent(record))?.processedAt).toBe('2026-11-23T12:00:00.000Z');
  });

  it('applies nothing twice when a record is redelivered: no second count, no second journey start', async () => {
    const { records, days } = await newEventRecords(2);
    const journeys = recordingStarter();
    const react = reactorWith({ journeys, rules: [countEvents, enrolEveryone] });

    await react({ Records: records });
    const redelivered = await react({ Records: records });

    expect(redelivered).toEqual({ batchItemFailures: [] });
    expect(await formCounts(days[0]!, days.at(-1)!)).toEqual(new Map([[days[0]!, 1], [days[1]!, 1]]));
    expect(journeys.names).toHaveLength(2);
  });

  it('leaves the record to be retried when a journey start fails, and applies it fully on the retry', async () => {
    const { records, days } = await newEventRecords(1);
    const real = recordingStarter();
    let failing = true;
    const flaky: JourneyStarter = {
      ...real,
      start: async (decision) => {
        if (failing) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        return real.start(decision);
      },
    };
    const react = reactorWith({ journeys: flaky, rules: [countEvents, enrolEveryone] });

    const first = await react({ Records: records });
    const afterFailure = { marker: (await storedEvent(records[0]!))?.processedAt, counts: await formCounts(days[0]!, days[0]!) };
    failing = false;
    const retried = await react({ Records: records });

    expect(first.batchItemFailures).toEqual([{ itemIdentifier: records[0]!.dynamodb!.SequenceNumber }]);
    expect(afterFailure).toEqual({ marker: undefined, counts: new Map() });
    expect(retried).toEqual({ batchItemFailures: [] });
    expect(real.started.size).toBe(1);
    expect(await formCounts(days[0]!, days[0]!)).toEqual(new Map([[days[0]!, 1]]));
  });

  it('calls the journey start again on a retry after the transaction failed, which the execution name makes a no-op', async () => {
    const { records } = await newEventRecords(1);
    const journeys = recordingStarter();
    const real = new DynamoReactorStore(table.documentClient, table.tableName);
    let commits = 0;
    const store: ReactorDeps['store'] = {
      load: (event) => real.load(event),
      commit: async (event, writes, at, asLoaded) => {
        if (++commits === 1) throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
        return real.commit(event, writes, at, asLoaded);
      },
    };
    const react = reactorWith({ store, journeys, rules: [countEvents, enrolEveryone] });

    await react({ Records: records });
    await react({ Records: records });

    expect(journeys.names).toHaveLength(2);
    expect(journeys.started.size).toBe(1);
    expect((await storedEvent(records[0]!))?.processedAt).toBeDefined();
  });

  it('reports the first failing record so the batch is retried from there, keeping earlier work', async () => {
    const { records } = await newEventRecords(3);
    const real = new DynamoReactorStore(table.documentClient, table.tableName);
    let loads = 0;
    const store: ReactorDeps['store'] = {
      load: async (event) => {
        if (++loads === 2) throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
        return real.load(event);
      },
      commit: (event, writes, at, asLoaded) => real.commit(event, writes, at, asLoaded),
    };

    const response = await reactorWith({ store })({ Records: records });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }]);
    expect((await storedEvent(records[0]!))?.processedAt).toBeDefined();
    expect((await storedEvent(records[2]!))?.processedAt).toBeUndefined();
  });

  it('skips records that are not timeline events instead of failing the batch forever', async () => {
    const stranger: DynamoDBRecord = {
      eventName: 'INSERT',
      dynamodb: { SequenceNumber: '1', NewImage: { PK: { S: 'X' }, SK: { S: 'EVENT#junk' } } },
    };

    expect(await reactorWith()({ Records: [stranger] })).toEqual({ batchItemFailures: [] });
  });

  it('gives the same counters when a timeline is replayed through the pure rules as the live reactor wrote', async () => {
    const { records, days } = await newEventRecords(4);
    await reactorWith()({ Records: records });
    const live = await formCounts(days[0]!, days.at(-1)!);

    const replayed = new Map<string, number>();
    for (const record of records) {
      const { contactId } = unmarshall(record.dynamodb!.NewImage as never);
      const contact = (await contacts.get(contactId as string))!;
      const { items } = await contacts.timeline(contact.contactId, { limit: 100 });
      for (const [key, count] of tally(replay(contact, items))) replayed.set(key, (replayed.get(key) ?? 0) + count);
    }

    expect(new Map([...replayed].map(([key, count]) => [key.split(' ')[1]!, count]))).toEqual(live);
  });
});

describe('reactor store: the score and stage update applies only to the profile as loaded', () => {
  const scoring = [scoringRule(scoringRules, lifecycle)];
  const store = () => new DynamoReactorStore(table.documentClient, table.tableName);
  const eventOf = (record: DynamoDBRecord): TimelineEvent => parseTimelineItem(unmarshall(record.dynamodb!.NewImage as never))!;

  /** Loads the event and decides its writes with the scoring rule alone, as the reactor does. */
  async function loadAndDecide(event: TimelineEvent) {
    const loaded = await store().load(event);
    if (loaded.type !== 'Loaded') throw new Error(`expected the event to load, got ${loaded.type}`);
    const { type: _loaded, asLoaded, ...state } = loaded;
    return { asLoaded, writes: decide({ event, ...state }, scoring).filter(isWrite) };
  }

  it('refuses the update as a conflict, not as a duplicate, when a score appeared after the load, and applies it once reloaded', async () => {
    const { records } = await newEventRecords(1);
    const event = eventOf(records[0]!);
    const stale = await loadAndDecide(event);
    // Another writer (npm run rescore) scores the contact, which had no score when the event was loaded.
    const rescored = { version: 2, fit: 5, behaviour: 0, total: 5, asOf: event.occurredAt, fitRules: [{ ruleId: 'r', points: 5 }], contributions: [] };
    await table.documentClient.send(
      new UpdateCommand({ TableName: table.tableName, Key: keys.profile(event.contactId), UpdateExpression: 'SET score = :score', ExpressionAttributeValues: { ':score': rescored } }),
    );

    await expect(store().commit(event, stale.writes, clock.now(), stale.asLoaded)).rejects.toThrow(LifecycleConflict);
    const refused = { marker: (await storedEvent(records[0]!))?.processedAt, score: (await contacts.get(event.contactId))?.score };
    const fresh = await loadAndDecide(event);
    const applied = await store().commit(event, fresh.writes, clock.now(), fresh.asLoaded);

    expect(stale.asLoaded).toEqual({ score: undefined, stage: undefined });
    expect(refused).toEqual({ marker: undefined, score: rescored });
    expect(applied).toEqual({ type: 'Applied' });
    const score = (await contacts.get(event.contactId))!.score!;
    expect(score).toMatchObject({ fit: 0, behaviour: 10, total: 10 });
    expect(score.contributions.filter((c) => c.eventId === event.eventId)).toHaveLength(1);
    expect(await store().commit(event, fresh.writes, clock.now(), fresh.asLoaded)).toEqual({ type: 'AlreadyProcessed' });
  });

  it('lets a form post between the load and the commit through: only score and stage are compared, not updatedAt', async () => {
    const { records } = await newEventRecords(1);
    const event = eventOf(records[0]!);
    const { asLoaded, writes } = await loadAndDecide(event);
    const { email } = (await contacts.get(event.contactId))!;
    await contacts.recordSubmission(email, { formId: 'demo-request', fields: { company: 'Acme' }, utm: {} }, new Date(Date.parse(event.occurredAt) + 60_000));

    expect(writes.some((w) => w.type === 'UpdateLifecycle')).toBe(true);
    expect(await store().commit(event, writes, clock.now(), asLoaded)).toEqual({ type: 'Applied' });
    expect(await contacts.get(event.contactId)).toMatchObject({ attributes: { company: 'Acme' }, stage: 'lead', score: { total: 10 } });
  });
});

describe('stream filter', () => {
  it('lets inserted timeline events through and keeps profiles, claims and modifications out', async () => {
    await newEventRecords(1);
    const records = await readStream(table);

    const passed = records.filter((record) => matchesFilter(record, timelineInsertFilter));

    expect(passed.length).toBeGreaterThan(0);
    expect(passed.every((r) => r.eventName === 'INSERT' && r.dynamodb?.Keys?.SK?.S?.startsWith('EVENT#'))).toBe(true);
    expect(records.some((r) => r.dynamodb?.Keys?.SK?.S === 'PROFILE' && matchesFilter(r))).toBe(false);
    expect(records.some((r) => r.eventName === 'MODIFY' && matchesFilter(r))).toBe(false);
  });
});

