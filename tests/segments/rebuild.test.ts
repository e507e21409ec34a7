import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import type { JourneyStarter } from '../../functions/journeys/ports';
import { DynamoReactorStore } from '../../functions/reactor/dynamo-reactor-store';
import { makeReactor } from '../../functions/reactor/reactor';
import { matchesFilter } from '../../functions/reactor/stream-filter';
import { segmentMetric } from '../../functions/segments/domain/rules';
import { previewSegment, rebuildSegments, shippedFunnel, sizeGauge } from '../../functions/segments/rebuild';
import { SegmentFile } from '../../functions/segments/domain/segment-file';
import { segments } from '../../functions/segments/segments';
import { EventName } from '../../functions/shared/events';
import { keys } from '../../functions/shared/keys';
import type { NewTimelineEvent } from '../../functions/shared/timeline';
import { memoryLogger } from '../support/http';
import { readStream } from '../support/stream';
import { createTestTable, type TestTable } from '../support/table';

let table: TestTable;
let contacts: DynamoContacts;
const contactIds: string[] = [];

/** Before any window of the shipped segments (the shortest is a day) ends for the seeded history. */
const now = new Date('2026-10-20T23:00:00.000Z');

const starter: JourneyStarter = {
  start: async () => ({ type: 'Started' }),
  stop: async () => ({ type: 'NotRunning' }),
  resume: async () => ({ type: 'NotWaiting' }),
};

/** A clock that moves 1 ms per reading, as a real reactor's processing times do. */
function tickingClock(start: string) {
  let at = Date.parse(start);
  return { now: () => new Date(at++) };
}

/** Runs the real reactor (every capability's rules, segments included) over the table's stream until it appends nothing new. */
async function drainReactor(): Promise<void> {
  const reactor = makeReactor({
    store: new DynamoReactorStore(table.documentClient, table.tableName),
    journeys: starter,
    handOffs: { enqueue: async () => {} },
    emails: { send: async () => {} },
    clock: tickingClock('2026-10-20T22:00:00.000Z'),
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
    const result = await reactor({ Records: records });
    expect(result.batchItemFailures).toEqual([]);
  }
  throw new Error('the reactor kept appending events');
}

/**
 * A day of varied behaviour: demo requests with and without a budget (so scores and stages move during the day),
 * pricing visits, orders, clicks, an abandoned checkout, sales sending some back, a webinar.
 */
async function seed(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const at = (hour: number, minute = 0) => new Date(Date.UTC(2026, 9, 20, hour, minute)).toISOString();
    const { contactId } = await contacts.recordSubmission(
      `segment-seed-${i}@example.com`,
      {
        formId: 'demo-request',
        fields: { email: `segment-seed-${i}@example.com`, company_size: '300', budget: i % 2 ? '1000' : '8000', ...(i % 4 === 0 ? { time_zone: 'Europe/Paris' } : {}) },
        utm: {},
      },
      new Date(at(8)),
    );
    contactIds.push(contactId);
    const append = (event: NewTimelineEvent) => contacts.appendEvent(contactId, event);
    const tracked = (name: string, hour: number, properties: Record<string, unknown> = {}) =>
      append({ type: EventName.Tracked, occurredAt: at(hour, i), data: { event: name, properties } });
    if (i % 2 === 0) {
      await append({ type: EventName.PageViewed, occurredAt: at(9, i), data: { url: 'https://example.com/pricing', path: '/pricing' } });
      await append({ type: EventName.PageViewed, occurredAt: at(10, i), data: { url: 'https://example.com/pricing', path: '/pricing' } });
    }
    if (i % 3 === 1) for (const hour of [11, 12, 13]) await tracked('order_completed', hour, { value: 100 });
    if (i % 4 === 1) await tracked('checkout_started', 14);
    if (i % 6 === 2) await append({ type: EventName.CrmFeedback, occurredAt: at(15, i), data: { provider: 'hubspot', outcome: 'rejected' } });
    if (i % 2 === 0 || i % 6 === 2) {
      const ref = { messageId: `msg-${i}`, templateId: 'nurture-1', journeyId: 'budget-router', stepId: 'nurture-1' };
      await append({ type: EventName.EmailClicked, occurredAt: at(16, i), data: { ...ref, url: 'https://example.com/pricing', linkIndex: 0, machine: false } });
    }
    if (i % 3 === 2) await tracked('webinar_attended', 17, { webinar: 'q4-product-tour' });
  }
}

const stateItem = (contactId: string, segmentId: string) =>
  table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: keys.segmentState(contactId, segmentId), ConsistentRead: true })).then((r) => r.Item);

const rebuild = (dryRun: boolean) => rebuildSegments({ db: table.documentClient, tableName: table.tableName, segments, funnel: shippedFunnel, now, dryRun });

beforeAll(async () => {
  table = await createTestTable();
  contacts = new DynamoContacts(table.documentClient, table.tableName);
  await seed(12);
  await drainReactor();
}, 240_000);

describe('segments rebuild, against the states the live reactor wrote', () => {
  it('finds no difference between the live states and the ones replayed from the timelines', async () => {
    const summary = await rebuild(true);

    expect(summary.contacts).toBe(12);
    expect(summary.differences).toEqual([]);
    // Score- and stage-dependent segments included: two hot leads left when sales recycled them, one cart was ordered.
    const sizes = Object.fromEntries([...summary.sizes].map(([id, { members }]) => [id, members]));
    expect(sizes).toMatchObject({ 'pricing-visitors-this-week': 6, 'loyal-customers': 4, 'hot-leads': 4, 'cart-abandoners': 2, 'webinar-attendees': 4, 'europe-time-zones': 3 });
    for (const [segmentId, { members, gauge }] of summary.sizes) expect({ segmentId, gauge }).toEqual({ segmentId, gauge: members });
  }, 120_000);

  it('reports a corrupted state and repairs it, with its membership index entry and the size gauge', async () => {
    const contactId = contactIds[0]!;
    const live = await stateItem(contactId, 'pricing-visitors-this-week');
    expect(live).toMatchObject({ member: true, GSI1PK: 'SEGMENT#pricing-visitors-this-week' });
    // As a lost write would leave it: not a member, nothing remembered, off the members index; the gauge one short.
    const { GSI1PK: _pk, GSI1SK: _sk, since: _since, ...rest } = live!;
    await table.documentClient.send(new PutCommand({ TableName: table.tableName, Item: { ...rest, member: false, memory: {} } }));
    await table.documentClient.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.metric(segmentMetric('pricing-visitors-this-week'), 2, 'current'),
        UpdateExpression: 'ADD #size :n',
        ExpressionAttributeNames: { '#size': 'size' },
        ExpressionAttributeValues: { ':n': -1 },
      }),
    );

    const found = await rebuild(true);
    expect(found.differences.map(({ contactId: c, segmentId, kind, fields }) => ({ c, segmentId, kind, fields }))).toEqual([
      { c: contactId, segmentId: 'pricing-visitors-this-week', kind: 'changed', fields: ['member', 'since', 'memory'] },
    ]);
    expect(found.sizes.get('pricing-visitors-this-week')).toEqual({ members: 6, gauge: 5 });
    expect(found.written).toBe(0);

    const repaired = await rebuild(false);
    expect(repaired.written).toBe(1);
    const { evaluatedAt: _liveAt, ...expected } = live!;
    const { evaluatedAt: _at, ...after } = (await stateItem(contactId, 'pricing-visitors-this-week'))!;
    expect(after).toEqual(expected);
    expect(await sizeGauge({ db: table.documentClient, tableName: table.tableName }, 'pricing-visitors-this-week')).toBe(6);
    expect((await rebuild(true)).differences).toEqual([]);
  }, 120_000);

  it('previews a segment file not yet deployed over every contact, with a sample of members and why', async () => {
    const segment = SegmentFile.parse({ id: 'budget-buyers', name: 'Budget buyers', match: { all: [{ where: 'budget >= 5000' }, { event: 'order_completed' }] } });

    const preview = await previewSegment({ db: table.documentClient, tableName: table.tableName, segment, now, funnel: shippedFunnel });

    // Budget 8000 are the even contacts; orders come from i % 3 == 1: contacts 4 and 10.
    expect(preview).toMatchObject({ contacts: 12, matching: 2 });
    expect(preview.sample.map((m) => m.contactId).sort()).toEqual([contactIds[4], contactIds[10]].sort());
    expect(preview.sample[0]!.reason).toMatch(/order_completed: matches budget >= 5000; order_completed ever/);
  }, 120_000);
});
