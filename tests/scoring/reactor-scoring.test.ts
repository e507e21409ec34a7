import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import type { DecisionOf } from '../../functions/capabilities';
import { DynamoReactorStore } from '../../functions/reactor/dynamo-reactor-store';
import { makeReactor, type ReactorDeps } from '../../functions/reactor/reactor';
import { matchesFilter } from '../../functions/reactor/stream-filter';
import { EventName } from '../../functions/shared/events';
import { keys } from '../../functions/shared/keys';
import { memoryLogger } from '../support/http';
import { readStream } from '../support/stream';
import { createTestTable, type TestTable } from '../support/table';

let table: TestTable;
let contacts: DynamoContacts;
let logger = memoryLogger();

beforeAll(async () => {
  table = await createTestTable();
  contacts = new DynamoContacts(table.documentClient, table.tableName);
});

/** The reactor with the default rules (scoring included), recording hand-offs and journey starts. */
function reactor() {
  const handOffs: DecisionOf<'HandOff'>[] = [];
  const starts: string[] = [];
  logger = memoryLogger();
  const started = { start: async (d: DecisionOf<'StartJourney'>) => (starts.push(d.executionName), { type: 'Started' as const }) };
  // Journey operations other than starts (exits on goals such as `stage >= sql`) succeed without effect here.
  const journeys = new Proxy(started, { get: (target, name) => target[name as 'start'] ?? (async () => ({ type: 'Done' })) });
  const react = makeReactor({
    store: new DynamoReactorStore(table.documentClient, table.tableName),
    journeys: journeys as unknown as ReactorDeps['journeys'],
    handOffs: { enqueue: async (d) => void handOffs.push(d) },
    clock: { now: () => new Date('2026-11-24T12:00:00.000Z') },
    logger,
  });
  return { react, handOffs, starts };
}

/** Stream records of this contact's events not yet seen, as Lambda gets them. */
const seen = new Set<string>();
async function newRecords(contactId: string): Promise<DynamoDBRecord[]> {
  const records = (await readStream(table)).filter((record) => {
    if (!matchesFilter(record)) return false;
    const image = unmarshall(record.dynamodb!.NewImage as never);
    const id = `${image.contactId as string}/${image.eventId as string}`;
    if (image.contactId !== contactId || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return records;
}

/** Reacts until the contact's timeline has no unprocessed event (derived events included), like the stream would. */
async function drain(react: ReturnType<typeof reactor>['react'], contactId: string) {
  for (let round = 0; round < 5; round++) {
    const records = await newRecords(contactId);
    if (records.length === 0) return;
    const result = await react({ Records: records });
    const errors = logger.lines.filter((l) => l.level === 'error').map((l) => String(l.fields?.error));
    expect(result.batchItemFailures, errors.join('; ')).toEqual([]);
  }
}

async function timeline(contactId: string) {
  const items = await table.partition(keys.profile(contactId).PK);
  return { profile: items.find((i) => i.SK === 'PROFILE')!, events: items.filter((i) => String(i.SK).startsWith('EVENT#')) };
}

const post = (email: string, fields: Record<string, string | number>) =>
  contacts.recordSubmission(email, { formId: 'demo-request', fields: { email, ...fields }, utm: {} }, new Date('2026-11-24T10:00:00.000Z'));

describe('scoring in the reactor', () => {
  it('scores a form post with a large budget, moves the contact to MQL and queues one hand-off', async () => {
    const { contactId, eventId } = await post('big@acme.example', { budget: 10000 });
    const { react, handOffs } = reactor();

    await drain(react, contactId);

    const { profile, events } = await timeline(contactId);
    expect(profile.score).toMatchObject({ fit: 20, behaviour: 10, total: 30, version: 1 });
    expect(profile.stage).toBe('mql');
    const stageChanged = events.find((e) => e.type === EventName.StageChanged)!;
    expect(stageChanged.data).toEqual({ from: 'subscriber', to: 'mql', reason: 'score 30 ≥ 30 and fit 20 ≥ 15', causeEventId: eventId });
    expect(events.filter((e) => e.type === EventName.ScoreChanged).map((e) => (e.data as { total: number }).total)).toEqual([30]);
    expect(handOffs).toEqual([
      { type: 'HandOff', contactId, idempotencyKey: `stage-${stageChanged.eventId as string}`, reason: 'score 30 ≥ 30 and fit 20 ≥ 15', source: 'reactor' },
    ]);
  });

  it('makes a small-budget contact a lead without handing it off', async () => {
    const { contactId } = await post('small@acme.example', { budget: 2000 });
    const { react, handOffs } = reactor();
    await drain(react, contactId);
    expect((await timeline(contactId)).profile).toMatchObject({ stage: 'lead', score: { total: 10 } });
    expect(handOffs).toEqual([]);
  });

  it('never scores a redelivered record twice, nor hands it off twice', async () => {
    const { contactId } = await post('twice@acme.example', { budget: 10000 });
    const { react, handOffs } = reactor();
    const delivered: DynamoDBRecord[] = [];
    for (let round = 0; round < 3; round++) {
      const records = await newRecords(contactId);
      delivered.push(...records);
      await react({ Records: records });
    }

    await react({ Records: delivered });

    const { profile, events } = await timeline(contactId);
    expect(profile.score).toMatchObject({ total: 30 });
    expect(events.filter((e) => e.type === EventName.StageChanged)).toHaveLength(1);
    expect(handOffs).toHaveLength(1);
  });

  it('moves an MQL to SQL when sales accept it in the CRM, and re-enrols a rejected one in the nurture journey', async () => {
    const accepted = await post('accepted@acme.example', { budget: 10000 });
    const rejected = await post('rejected@acme.example', { budget: 10000 });
    const { react, starts } = reactor();
    await drain(react, accepted.contactId);
    await drain(react, rejected.contactId);

    const feedback = (outcome: 'accepted' | 'rejected') => ({
      type: EventName.CrmFeedback,
      occurredAt: '2026-11-24T11:00:00.000Z',
      data: { provider: 'hubspot', outcome, crmId: '1', status: `lifecyclestage=${outcome}` },
    });
    await contacts.appendEvent(accepted.contactId, feedback('accepted'));
    const appended = await contacts.appendEvent(rejected.contactId, feedback('rejected'));
    await drain(react, accepted.contactId);
    await drain(react, rejected.contactId);

    expect((await timeline(accepted.contactId)).profile.stage).toBe('sql');
    const recycled = await timeline(rejected.contactId);
    expect(recycled.profile).toMatchObject({ stage: 'recycled', score: { behaviour: 0, total: 20 } });
    const stageChanged = recycled.events.find((e) => e.type === EventName.StageChanged && (e.data as { to: string }).to === 'recycled')!;
    expect((stageChanged.data as { causeEventId: string }).causeEventId).toBe(appended.type === 'Appended' ? appended.event.eventId : '');
    expect(starts).toContain(`recycle-nurture-${rejected.contactId}-${stageChanged.eventId as string}`);
  });
});
