import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { lifecycle, scoringRules } from '../../functions/scoring/domain/content';
import { replayTimeline } from '../../functions/scoring/domain/replay';
import { rescoreAll } from '../../functions/scoring/rescore';
import { keys } from '../../functions/shared/keys';
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
    expect(summary).toEqual({ contacts: 3, events: 3, scoreChanged: 3, stageChanged: 3, stageForward: 3, stageBackward: 0, written: 0 });
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
