import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { DynamoReactorStore } from '../../functions/reactor/dynamo-reactor-store';
import { LifecycleConflict } from '../../functions/scoring/capability';
import { makeReactor, type ReactorDeps } from '../../functions/reactor/reactor';
import { matchesFilter } from '../../functions/reactor/stream-filter';
import { lifecycle, scoringRules } from '../../functions/scoring/domain/content';
import { scoringRule } from '../../functions/scoring/domain/lifecycle-rule';
import { replayTimeline } from '../../functions/scoring/domain/replay';
import { MAX_ATTEMPTS, rescoreAll, type RescoreSummary } from '../../functions/scoring/rescore';
import { EventName } from '../../functions/shared/events';
import { keys } from '../../functions/shared/keys';
import { memoryLogger } from '../support/http';
import { readStream } from '../support/stream';
import { createTestTable, type TestTable } from '../support/table';
import { contactWith, events } from './factories';

let table: TestTable;
let contacts: DynamoContacts;
const ids: string[] = [];

beforeAll(async () => {
  table = await createTestTable();
  contacts = new DynamoContacts(table.documentClient, table.tableName);
  for (const [email, budget] of [['r1@acme.example', 10000], ['r2@acme.example', 2000], ['r3@acme.example', 6000]] as const) {
    const { contactId } = await contacts.recordSubmission(email, { formId: 'demo-request', fields: { email, budget }, utm: {} }, new Date('2026-11-20T10:00:00.000Z'));
    ids.push(contactId);
  }
});

const rescore = (dryRun: boolean, rules = scoringRules) =>
  rescoreAll({ db: table.documentClient, tableName: table.tableName, rules, lifecycle, dryRun, now: new Date('2026-11-24T12:00:00.000Z'), segments: 2 });
const profile = async (contactId: string) => (await table.partition(keys.profile(contactId).PK)).find((i) => i.SK === 'PROFILE')!;

describe('replaying a timeline', () => {
  it('gives the score and stage the reactor would have reached, skipping its own derived events', () => {
    const timeline = [events.form('2026-03-01T10:00:00.000Z'), events.tracked('2026-03-02T10:00:00.000Z', 'webinar_attended')];
    const replayed = replayTimeline(scoringRules, lifecycle, contactWith({ attributes: { budget: 6000 }, stage: 'customer' }), timeline);
    expect(replayed).toMatchObject({ stage: 'mql', events: 2, score: { fit: 20, total: 45 } });
    expect(replayed.transitions.map((t) => t.to)).toEqual(['mql']);
  });
});

describe('npm run rescore', () => {
  it('reports, in a dry run, how many contacts change score and stage, and writes nothing', async () => {
    const summary = await rescore(true);
    expect(summary).toEqual({ contacts: 3, events: 3, scoreChanged: 3, stageChanged: 3, stageForward: 3, stageBackward: 0, written: 0, conflicts: 0, skipped: 0 });
    expect((await profile(ids[0]!)).score).toBeUndefined();
  });

  it('writes the new scores and forward stages with score.changed and stage.changed events, once', async () => {
    const first = await rescore(false);
    const again = await rescore(false);

    expect(first.written).toBe(3);
    expect(again).toMatchObject({ scoreChanged: 0, stageChanged: 0, written: 0 });
    expect(await profile(ids[0]!)).toMatchObject({ stage: 'mql', score: { total: 30 } });
    expect(await profile(ids[1]!)).toMatchObject({ stage: 'lead', score: { total: 10 } });
    const derived = (await table.partition(keys.profile(ids[0]!).PK)).filter((i) => i.type === 'score.changed' || i.type === 'stage.changed');
    expect(derived.map((e) => [e.type, (e.data as { cause?: string; to?: string }).cause ?? (e.data as { to?: string }).to])).toEqual(
      expect.arrayContaining([
        ['score.changed', 'rescore'],
        ['stage.changed', 'mql'],
      ]),
    );
  });

  it('counts contacts a rules change would move, and never moves a stage backward', async () => {
    const stricter = { ...scoringRules, version: 2, fit: scoringRules.fit.map((r) => (r.id === 'budget-5000' ? { ...r, points: 5 } : r)) };
    const summary = await rescore(false, stricter);
    expect(summary).toMatchObject({ scoreChanged: 2, stageChanged: 2, stageForward: 0, stageBackward: 2 });
    expect(await profile(ids[0]!)).toMatchObject({ stage: 'mql', score: { total: 15, version: 2 } });
  });
});

describe('npm run rescore while the reactor keeps scoring', () => {
  const postedAt = new Date('2026-11-20T10:00:00.000Z');
  /** Rules version 2: the budget fit rule is worth 25 instead of 20. */
  const v2 = { ...scoringRules, version: 2, fit: scoringRules.fit.map((r) => (r.id === 'budget-5000' ? { ...r, points: 25 } : r)) };

  /**
   * The document client rescore is given, with a fault injected: just before rescore's write for a contact,
   * `meanwhile` runs against the real table, as if it had happened between rescore's read and its write.
   */
  function interleaved(db: DynamoDBDocumentClient, meanwhile: (contactId: string) => Promise<void>): DynamoDBDocumentClient {
    const send = async (command: unknown) => {
      if (command instanceof TransactWriteCommand) {
        const pk = String(command.input.TransactItems?.[0]?.Update?.Key?.PK ?? '');
        if (pk.startsWith('CONTACT#')) await meanwhile(pk.slice('CONTACT#'.length));
      }
      return db.send(command as never);
    };
    return new Proxy(db, { get: (target, name) => (name === 'send' ? send : Reflect.get(target, name)) });
  }

  /** The reactor, with the shipped rules, on every timeline record of the table's stream it has not seen yet. */
  function streamReactor(table: TestTable) {
    const logger = memoryLogger();
    const journeys = new Proxy({}, { get: () => async () => ({ type: 'Started' }) });
    const react = makeReactor({
      store: new DynamoReactorStore(table.documentClient, table.tableName),
      journeys: journeys as ReactorDeps['journeys'],
      handOffs: { enqueue: async () => undefined },
      clock: { now: () => new Date('2026-11-24T12:00:00.000Z') },
      logger,
    });
    const seen = new Set<string>();
    return async function drain() {
      for (let round = 0; round < 5; round++) {
        const records = (await readStream(table)).filter((record) => {
          const key = record.dynamodb?.SequenceNumber ?? '';
          if (!matchesFilter(record) || seen.has(key)) return false;
          seen.add(key);
          return true;
        });
        if (records.length === 0) return;
        const result = await react({ Records: records });
        expect(result.batchItemFailures, logger.lines.map((l) => String(l.fields?.error ?? '')).join('; ')).toEqual([]);
      }
    };
  }

  const profileIn = async (table: TestTable, contactId: string) => (await table.partition(keys.profile(contactId).PK)).find((i) => i.SK === 'PROFILE')!;

  it('re-reads and recomputes a contact the reactor scored between rescore\'s read and its write: the new event\'s points are kept', async () => {
    const table = await createTestTable();
    const contacts = new DynamoContacts(table.documentClient, table.tableName);
    const drain = streamReactor(table);
    const { contactId } = await contacts.recordSubmission('race@acme.example', { formId: 'demo-request', fields: { email: 'race@acme.example', budget: 6000 }, utm: {} }, postedAt);
    await drain();
    expect(await profileIn(table, contactId)).toMatchObject({ stage: 'mql', score: { version: 1, total: 30 } });

    let webinarId = '';
    const db = interleaved(table.documentClient, async (id) => {
      if (webinarId) return;
      const appended = await contacts.appendEvent(id, { type: EventName.Tracked, occurredAt: postedAt.toISOString(), data: { event: 'webinar_attended', properties: {} } });
      webinarId = appended.type === 'Appended' ? appended.event.eventId : 'not appended';
      await drain();
    });

    const summary = await rescoreAll({ db, tableName: table.tableName, rules: v2, lifecycle, dryRun: false, now: new Date('2026-11-24T12:00:00.000Z') });

    expect(summary).toMatchObject({ contacts: 1, conflicts: 1, skipped: 0, written: 1 });
    const { score } = (await profileIn(table, contactId)) as { score: { version: number; fit: number; total: number; contributions: { ruleId: string; eventId: string }[] } };
    expect(score).toMatchObject({ version: 2, fit: 25, total: 50 });
    expect(score.contributions).toEqual(expect.arrayContaining([expect.objectContaining({ ruleId: 'webinar', eventId: webinarId })]));
  });

  it('fails the reactor\'s record when rescore wrote the contact between the reactor\'s load and its commit; the retry keeps the rescore and adds the event once', async () => {
    const table = await createTestTable();
    const contacts = new DynamoContacts(table.documentClient, table.tableName);
    const { contactId } = await contacts.recordSubmission('reverse@acme.example', { formId: 'demo-request', fields: { email: 'reverse@acme.example', budget: 6000 }, utm: {} }, postedAt);
    await streamReactor(table)();
    expect(await profileIn(table, contactId)).toMatchObject({ stage: 'mql', score: { version: 1, total: 30 } });
    /** Version 2 also reweighs a behaviour rule, which only a replay of the timeline applies to past events. */
    const v2Behaviour = { ...v2, behaviour: scoringRules.behaviour.map((r) => (r.id === 'form-post' ? { ...r, points: 12 } : r)) };
    const appended = await contacts.appendEvent(contactId, { type: EventName.Tracked, occurredAt: new Date(postedAt.getTime() + 3_600_000).toISOString(), data: { event: 'webinar_attended', properties: {} } });
    const webinarId = appended.type === 'Appended' ? appended.event.eventId : 'not appended';
    const records = (await readStream(table)).filter((r) => matchesFilter(r) && unmarshall(r.dynamodb!.NewImage as never).eventId === webinarId);
    // The reactor (running version 2 too) has loaded the profile and computed from it; rescore writes before its commit.
    let rescored: RescoreSummary | undefined;
    const reactorDb = interleaved(table.documentClient, async () => {
      rescored ??= await rescoreAll({ db: table.documentClient, tableName: table.tableName, rules: v2Behaviour, lifecycle, dryRun: false, now: new Date('2026-11-24T12:00:00.000Z') });
    });
    const logger = memoryLogger();
    const react = makeReactor({
      store: new DynamoReactorStore(reactorDb, table.tableName),
      journeys: new Proxy({}, { get: () => async () => ({ type: 'Started' }) }) as ReactorDeps['journeys'],
      clock: { now: () => new Date('2026-11-24T12:00:00.000Z') },
      logger,
      rules: [scoringRule(v2Behaviour, lifecycle)],
    });
    const marker = async () => (await table.partition(keys.profile(contactId).PK)).find((i) => i.eventId === webinarId)?.processedAt;

    const first = await react({ Records: records });
    const afterRefusal = { marker: await marker(), score: ((await profileIn(table, contactId)) as { score: { total: number } }).score.total };
    const retried = await react({ Records: records });

    expect(rescored).toMatchObject({ written: 1, conflicts: 0 });
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: records[0]!.dynamodb!.SequenceNumber }]);
    expect(logger.lines.find((l) => l.level === 'warn')?.fields?.error).toBeInstanceOf(LifecycleConflict);
    expect(afterRefusal).toEqual({ marker: undefined, score: 52 });
    expect(retried.batchItemFailures).toEqual([]);
    expect(await marker()).toBeDefined();
    const { score } = (await profileIn(table, contactId)) as { score: { version: number; fit: number; total: number; contributions: { ruleId: string; points: number; eventId: string }[] } };
    // Fit 25, the form post reweighed to 12, the webinar's 15 once: rescore's replay already counted the event.
    expect(score).toMatchObject({ version: 2, fit: 25, total: 52 });
    expect(score.contributions.map((c) => [c.ruleId, c.points])).toEqual([['form-post', 12], ['webinar', 15]]);
    const changes = (await table.partition(keys.profile(contactId).PK)).filter((i) => i.type === EventName.ScoreChanged);
    expect(changes.map((e) => [(e.data as { cause: string }).cause, (e.data as { total: number }).total])).toEqual([['event', 30], ['rescore', 52]]);
  });

  it(`leaves a contact that changes before every one of ${MAX_ATTEMPTS} writes as it is, counted, rather than overwrite it`, async () => {
    const table = await createTestTable();
    const contacts = new DynamoContacts(table.documentClient, table.tableName);
    const drain = streamReactor(table);
    const { contactId } = await contacts.recordSubmission('busy@acme.example', { formId: 'demo-request', fields: { email: 'busy@acme.example', budget: 6000 }, utm: {} }, postedAt);
    await drain();
    let posts = 0;
    // Another form post (a new attribute value, which the fit rules read) lands before each write.
    const db = interleaved(table.documentClient, async () => {
      posts++;
      const at = new Date(postedAt.getTime() + posts * 60_000);
      await contacts.recordSubmission('busy@acme.example', { formId: 'demo-request', fields: { email: 'busy@acme.example', company: `Acme ${posts}` }, utm: {} }, at);
    });

    const summary = await rescoreAll({ db, tableName: table.tableName, rules: v2, lifecycle, dryRun: false, now: new Date('2026-11-24T12:00:00.000Z') });

    expect(summary).toMatchObject({ contacts: 1, conflicts: MAX_ATTEMPTS, skipped: 1, written: 0 });
    expect(await profileIn(table, contactId)).toMatchObject({ attributes: { company: `Acme ${MAX_ATTEMPTS}` }, score: { version: 1 } });
    const rescored = (await table.partition(keys.profile(contactId).PK)).filter((i) => (i.data as { cause?: string } | undefined)?.cause === 'rescore');
    expect(rescored).toEqual([]);
  });
});
