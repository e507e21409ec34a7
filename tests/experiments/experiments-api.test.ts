import { unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { DynamoExperimentCounters } from '../../functions/experiments/dynamo-experiment-counters';
import { experiments } from '../../functions/experiments/experiment-content';
import { makeGetExperimentHandler } from '../../functions/experiments/get-experiment';
import type { JourneyStarter } from '../../functions/journeys/ports';
import { DynamoReactorStore } from '../../functions/reactor/dynamo-reactor-store';
import { makeReactor } from '../../functions/reactor/reactor';
import { matchesFilter } from '../../functions/reactor/stream-filter';
import { EventName } from '../../functions/shared/events';
import type { NewTimelineEvent } from '../../functions/shared/timeline';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { readStream } from '../support/stream';
import { createTestTable, type TestTable } from '../support/table';

const TOKEN = 'experiments-test-token-0123456789';
let table: TestTable;
let getExperiment: ReturnType<typeof makeGetExperimentHandler>;

const starter: JourneyStarter = {
  start: async () => ({ type: 'Started' }),
  stop: async () => ({ type: 'NotRunning' }),
  resume: async () => ({ type: 'NotWaiting' }),
};

/** Runs the real reactor (every registered capability) over the table's stream until nothing new is appended. */
async function drainReactor(): Promise<void> {
  let now = Date.parse('2026-03-20T00:00:00.000Z');
  const reactor = makeReactor({
    store: new DynamoReactorStore(table.documentClient, table.tableName),
    journeys: starter,
    handOffs: { enqueue: async () => {} },
    emails: { send: async () => {} },
    clock: { now: () => new Date(now++) },
    logger: memoryLogger(),
  });
  const fed = new Set<string>();
  for (let round = 0; round < 10; round++) {
    const records = (await readStream(table)).filter((record) => {
      if (!matchesFilter(record)) return false;
      const { PK, SK } = unmarshall(record.dynamodb!.NewImage as never) as { PK: string; SK: string };
      return !fed.has(`${PK} ${SK}`);
    });
    if (records.length === 0) return;
    for (const record of records) {
      const { PK, SK } = unmarshall(record.dynamodb!.NewImage as never) as { PK: string; SK: string };
      fed.add(`${PK} ${SK}`);
    }
    expect((await reactor({ Records: records })).batchItemFailures).toEqual([]);
  }
  throw new Error('the reactor kept appending events');
}

const get = (routeKey: string, path: string, pathParameters?: Record<string, string>, token = TOKEN) =>
  getExperiment(httpEvent({ routeKey, path, ...(pathParameters ? { pathParameters } : {}), headers: token ? { authorization: `Bearer ${token}` } : {} }), lambdaContext());

interface Story {
  readonly arm: string;
  readonly clicks?: readonly boolean[];
  readonly demoAfterDays?: number;
  readonly sentTwice?: boolean;
}

/**
 * Contacts in newsletter-march (goal: a demo request within 7 days): question gets 2 sends (one of them twice),
 * one human click and a machine click; announcement 2 sends; the holdout 2 contacts, one requesting a demo.
 */
const stories: readonly Story[] = [
  { arm: 'announcement', clicks: [true], demoAfterDays: 8 },
  { arm: 'announcement' },
  { arm: 'question', clicks: [false, true, true], demoAfterDays: 2, sentTwice: true },
  { arm: 'question', clicks: [false], demoAfterDays: 1 },
  { arm: 'holdout', demoAfterDays: 3 },
  { arm: 'holdout' },
];

beforeAll(async () => {
  table = await createTestTable();
  getExperiment = makeGetExperimentHandler({
    experiments,
    counters: new DynamoExperimentCounters(table.documentClient, table.tableName),
    logger: memoryLogger(),
  });
  const contacts = new DynamoContacts(table.documentClient, table.tableName);
  for (const [i, story] of stories.entries()) {
    const at = (days: number, hour = 10) => new Date(Date.parse(`2026-03-02T${String(hour).padStart(2, '0')}:00:00.000Z`) + days * 86_400_000).toISOString();
    const { contactId } = await contacts.recordSubmission(`exp-${i}@example.com`, { formId: 'newsletter', fields: { email: `exp-${i}@example.com` }, utm: {} }, new Date(at(-1)));
    const append = (event: NewTimelineEvent) => contacts.appendEvent(contactId, event);
    const experiment = { id: 'newsletter-march', arm: story.arm };
    if (story.arm === 'holdout') {
      await append({ type: EventName.EmailSkipped, occurredAt: at(0), data: { templateId: 'tips-day-2', topic: 'newsletter', experiment, reason: 'holdout' } });
    } else {
      const ref = { messageId: `m-${i}`, templateId: 'tips-day-2', topic: 'newsletter', experiment };
      await append({ type: EventName.EmailSent, occurredAt: at(0), data: { ...ref, kind: 'marketing', sendId: `s-${i}` } });
      if (story.sentTwice) await append({ type: EventName.EmailSent, occurredAt: at(0, 11), data: { ...ref, messageId: `m-${i}-b`, kind: 'marketing', sendId: `s-${i}-b` } });
      for (const [k, human] of (story.clicks ?? []).entries()) {
        await append({ type: EventName.EmailClicked, occurredAt: at(0, 12 + k), data: { ...ref, url: 'https://example.com/blog', linkIndex: 0, machine: !human } });
      }
    }
    if (story.demoAfterDays !== undefined) {
      await append({ type: EventName.FormSubmitted, occurredAt: at(story.demoAfterDays), data: { formId: 'demo-request', fields: { email: `exp-${i}@example.com` }, utm: {} } });
    }
  }
  await drainReactor();
}, 60_000);

describe('GET /experiments/{id}', () => {
  it('counts each contact once per arm: sends, human clicks (machine clicks left out) and goal conversions within the window', async () => {
    const result = await get('GET /experiments/{id}', '/experiments/newsletter-march', { id: 'newsletter-march' });
    const body = bodyOf(result) as { arms: { arm: string; sends: number; humanClicks: number; conversions: number }[]; holdout: { contacts: number; conversions: number } };

    expect(result.statusCode).toBe(200);
    expect(result.headers['cache-control']).toBe('no-store');
    expect(body.arms.map(({ arm, sends, humanClicks, conversions }) => ({ arm, sends, humanClicks, conversions }))).toEqual([
      { arm: 'announcement', sends: 2, humanClicks: 1, conversions: 0 },
      { arm: 'question', sends: 2, humanClicks: 1, conversions: 2 },
      { arm: 'question-morning', sends: 0, humanClicks: 0, conversions: 0 },
    ]);
    expect(body.holdout).toMatchObject({ share: 0.1, contacts: 2, conversions: 1, rate: 0.5 });
  });

  it('answers rates with intervals, the probability to be best, lift over the holdout and a decision with why', async () => {
    const body = bodyOf(await get('GET /experiments/{id}', '/experiments/newsletter-march', { id: 'newsletter-march' })) as {
      method: string;
      plan: { perArm: number; fixedHorizonPerArm: number };
      arms: { arm: string; rate: number | null; interval: { low: number; high: number }; probabilityToBeBest: number; liftOverHoldout: { absolute: number; relative: number } | null; liftWhyNot?: string }[];
      decision: { status: string; why: string };
    };
    const [announcement, question, morning] = body.arms;

    expect(question).toMatchObject({ rate: 1, liftOverHoldout: { absolute: 0.5, relative: 1 } });
    expect(question!.interval.low).toBeGreaterThan(0.3);
    expect(announcement!.liftOverHoldout).toMatchObject({ absolute: -0.5 });
    expect(morning).toMatchObject({ rate: null, liftOverHoldout: null, liftWhyNot: 'no contact sent this arm yet' });
    expect(body.arms.reduce((sum, arm) => sum + arm.probabilityToBeBest, 0)).toBeCloseTo(1, 6);
    expect(question!.probabilityToBeBest).toBeGreaterThan(announcement!.probabilityToBeBest);
    expect(body.plan.perArm).toBeGreaterThan(body.plan.fixedHorizonPerArm);
    expect(body.method).toMatch(/sequential probability ratio/);
    expect(body.decision).toEqual({ status: 'no_winner_yet', why: expect.stringMatching(/needs 100 sends/) });
  });

  it('says why lift over the holdout is not measured for a click metric without a holdout', async () => {
    const body = bodyOf(await get('GET /experiments/{id}', '/experiments/welcome-subject', { id: 'welcome-subject' })) as { arms: { sends: number; liftOverHoldout: null; liftWhyNot: string }[]; holdout: null };

    expect(body.holdout).toBeNull();
    expect(body.arms[0]).toMatchObject({ sends: 0, liftOverHoldout: null, liftWhyNot: 'the experiment holds nobody out' });
  });

  it('lists every experiment with its planned sample before launch', async () => {
    const body = bodyOf(await get('GET /experiments', '/experiments')) as { experiments: { id: string; plan: { perArm: number } }[] };

    expect(body.experiments.map(({ id }) => id).sort()).toEqual(['newsletter-march', 'welcome-subject']);
    expect(body.experiments.every(({ plan }) => plan.perArm > 0)).toBe(true);
  });

  it('answers 404 naming the experiments for an unknown id, and 401 without a key', async () => {
    const missing = await get('GET /experiments/{id}', '/experiments/nope', { id: 'nope' });
    const anonymous = await get('GET /experiments/{id}', '/experiments/newsletter-march', { id: 'newsletter-march' }, '');

    expect(missing.statusCode).toBe(404);
    expect(JSON.stringify(bodyOf(missing))).toMatch(/newsletter-march/);
    expect(anonymous.statusCode).toBe(401);
  });
});
