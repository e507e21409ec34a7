import { readFileSync } from 'node:fs';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { countUpdate } from '../../functions/reports/dynamo-report-state';
import { segmentStateItem } from '../../functions/segments/capability';
import { segmentMetric } from '../../functions/segments/domain/rules';
import { DynamoSegmentCounters } from '../../functions/segments/dynamo-segment-counters';
import { DynamoSegmentMembers } from '../../functions/segments/dynamo-segment-members';
import { makeSegmentsApiHandler } from '../../functions/segments/segments-api';
import { segmentSources, segments } from '../../functions/segments/segments';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

const TOKEN = 'segments-test-token-0123456789';
const clock = { now: () => new Date('2026-11-20T12:00:00.000Z') };
let table: TestTable;
let api: ReturnType<typeof makeSegmentsApiHandler>;
const logger = memoryLogger();
/** Members of loyal-customers, in contact-id order, with their emails. */
const loyal: { contactId: string; email: string; since: string }[] = [];

async function count(segmentId: string, day: string, shard: number, counts: Record<string, number>) {
  await table.documentClient.send(new UpdateCommand({ TableName: table.tableName, ...countUpdate({ type: 'CountMetric', metric: segmentMetric(segmentId), day, shard, counts }) }));
}

const call = (routeKey: string, segmentId: string | undefined, query?: Record<string, string>, headers: Record<string, string> = {}) =>
  api(
    httpEvent({
      routeKey,
      path: segmentId ? `/segments/${segmentId}` : '/segments',
      pathParameters: segmentId ? { segmentId } : {},
      ...(query ? { query } : {}),
      headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    }),
    lambdaContext(),
  );
const list = () => call('GET /segments', undefined);
const detail = (id: string, query?: Record<string, string>) => call('GET /segments/{segmentId}', id, query);
const members = (id: string, query?: Record<string, string>, headers?: Record<string, string>) => call('GET /segments/{segmentId}/members', id, query, headers);

beforeAll(async () => {
  table = await createTestTable();
  api = makeSegmentsApiHandler({
    segments,
    sources: segmentSources,
    counters: new DynamoSegmentCounters(table.documentClient, table.tableName),
    members: new DynamoSegmentMembers(table.documentClient, table.tableName),
    clock,
    logger,
  });
  const contacts = new DynamoContacts(table.documentClient, table.tableName);
  for (let i = 0; i < 8; i++) {
    const email = `loyal-${i}@example.com`;
    const { contactId } = await contacts.recordSubmission(email, { formId: 'newsletter', fields: { email }, utm: {} }, new Date('2026-11-01T08:00:00.000Z'));
    const since = `2026-11-${String(10 + i).padStart(2, '0')}T09:00:00.000Z`;
    // The eighth left again: its state stays (it remembers orders) but it is not on the members index.
    const member = i < 7;
    await table.documentClient.send(
      new PutCommand({
        TableName: table.tableName,
        Item: segmentStateItem({ segmentId: 'loyal-customers', contactId, member, ...(member ? { since } : {}), memory: {}, evaluatedAt: since }),
      }),
    );
    if (member) loyal.push({ contactId, email, since });
  }
  loyal.sort((a, b) => a.contactId.localeCompare(b.contactId));
  await count('loyal-customers', 'current', 0, { size: 4 });
  await count('loyal-customers', 'current', 3, { size: 3 });
  await count('loyal-customers', '2026-11-10', 1, { entered: 5 });
  await count('loyal-customers', '2026-11-10', 2, { entered: 3, exited: 1 });
  await count('loyal-customers', '2026-11-19', 0, { exited: 0, entered: 0 });
  await count('loyal-customers', '2026-09-01', 0, { entered: 9 });
  // The day before the 30 days up to 2026-11-20.
  await count('loyal-customers', '2026-10-21', 3, { entered: 4, exited: 2 });
});

describe('GET /segments', () => {
  it('lists every shipped segment with its name, description and size', async () => {
    const result = await list();

    expect(result.statusCode).toBe(200);
    const body = bodyOf(result) as { segments: { id: string; name: string; description: string; size: number }[] };
    expect(body.segments.map((s) => s.id)).toEqual([...segments.keys()]);
    expect(body.segments.find((s) => s.id === 'loyal-customers')).toEqual({
      id: 'loyal-customers',
      name: 'Loyal customers (3 orders in a year)',
      description: segments.get('loyal-customers')!.description,
      size: 7,
      growth: { days: 30, entered: 8, exited: 1, net: 7 },
    });
    expect(body.segments.find((s) => s.id === 'hot-leads')).toMatchObject({ size: 0, growth: { days: 30, entered: 0, exited: 0, net: 0 } });
  });

  it("counts growth over the last 30 days only, today included, from the segment's daily counters", async () => {
    const later = makeSegmentsApiHandler({
      segments,
      sources: segmentSources,
      counters: new DynamoSegmentCounters(table.documentClient, table.tableName),
      members: new DynamoSegmentMembers(table.documentClient, table.tableName),
      clock: { now: () => new Date('2026-11-19T23:59:59.000Z') },
      logger,
    });

    const body = bodyOf(await later(httpEvent({ routeKey: 'GET /segments', path: '/segments', headers: { authorization: `Bearer ${TOKEN}` } }), lambdaContext()));

    // 2026-10-21 to 2026-11-19: the day before the window above is in, nothing after it existed yet.
    expect((body.segments as { id: string; growth: unknown }[]).find((s) => s.id === 'loyal-customers')?.growth).toEqual({ days: 30, entered: 12, exited: 3, net: 9 });
  });

  it('refuses a request without the admin token', async () => {
    const result = await api(httpEvent({ routeKey: 'GET /segments', path: '/segments' }), lambdaContext());

    expect(result.statusCode).toBe(401);
  });
});

describe('GET /segments/{segmentId}', () => {
  it('gives the definition in words, the size from the gauge shards and entries and exits per day, the last 30 days by default', async () => {
    const body = bodyOf(await detail('loyal-customers')) as Record<string, unknown> & { days: { day: string; entered: number; exited: number }[] };

    expect(body).toMatchObject({
      id: 'loyal-customers',
      definition: 'order_completed ≥ 3 times within 365d',
      size: 7,
      from: '2026-10-22',
      to: '2026-11-20',
      entered: 8,
      exited: 1,
    });
    expect(body.days).toHaveLength(30);
    expect(body.days.find((d) => d.day === '2026-11-10')).toEqual({ day: '2026-11-10', entered: 8, exited: 1 });
    expect(body.days.find((d) => d.day === '2026-11-11')).toEqual({ day: '2026-11-11', entered: 0, exited: 0 });
  });

  it('gives the segment file as shipped, to read or copy into a preview', async () => {
    const body = bodyOf(await detail('loyal-customers'));

    expect(body.file).toEqual({ path: 'content/segments/loyal-customers.yaml', content: readFileSync('content/segments/loyal-customers.yaml', 'utf8') });
  });

  it('reads the range asked for', async () => {
    const body = bodyOf(await detail('loyal-customers', { from: '2026-09-01', to: '2026-09-02' }));

    expect(body).toMatchObject({ entered: 9, exited: 0, days: [{ day: '2026-09-01', entered: 9, exited: 0 }, { day: '2026-09-02', entered: 0, exited: 0 }] });
  });

  it('describes nested conditions in words', async () => {
    expect(bodyOf(await detail('lapsed-customers')).definition).toBe('all of (stage == customer; not (order_completed within 90d))');
  });

  it('answers 404 naming an unknown segment', async () => {
    const result = await detail('no-such-segment');

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ error: 'not_found', message: expect.stringContaining('No segment "no-such-segment"') });
  });

  it.each([
    ['from after to', { from: '2026-11-02', to: '2026-11-01' }, 'from'],
    ['a range over a year', { from: '2025-01-01', to: '2026-11-01' }, 'to'],
    ['a day that is not one', { from: '2026-13-01' }, 'from'],
    ['an unknown parameter', { granularity: 'week' }, '(query)'],
  ])('answers 400 naming the field for %s', async (_, query, field) => {
    const result = await detail('loyal-customers', query);

    expect(result.statusCode).toBe(400);
    expect(JSON.stringify((bodyOf(result) as { errors: unknown[] }).errors)).toContain(field === '(query)' ? 'granularity' : `"field":"${field}"`);
  });
});

describe('GET /segments/{segmentId}/members', () => {
  it('pages through the members with an opaque cursor, each with email and since', async () => {
    const seen: unknown[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const body = bodyOf(await members('loyal-customers', { limit: '3', ...(cursor ? { cursor } : {}) })) as { members: unknown[]; nextCursor?: string };
      seen.push(...body.members);
      cursor = body.nextCursor;
      pages++;
    } while (cursor);

    expect(seen).toEqual(loyal);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('gives every member as CSV with a header when asked by Accept or by format', async () => {
    for (const result of [await members('loyal-customers', undefined, { accept: 'text/csv' }), await members('loyal-customers', { format: 'csv' })]) {
      expect(result.statusCode).toBe(200);
      expect(result.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(result.headers['x-truncated']).toBeUndefined();
      expect(String(result.body).trimEnd().split('\r\n')).toEqual(['contactId,email,since', ...loyal.map((m) => `${m.contactId},${m.email},${m.since}`)]);
    }
  });

  it('never logs a member\'s email', async () => {
    await members('loyal-customers', { format: 'csv' });

    expect(JSON.stringify(logger.lines)).not.toContain('@example.com');
    expect(logger.lines.some((line) => line.fields?.segmentId === 'loyal-customers')).toBe(true);
  });

  it('answers an empty page for a segment nobody is in', async () => {
    expect(bodyOf(await members('hot-leads'))).toEqual({ segmentId: 'hot-leads', members: [] });
  });

  it.each([
    ['a limit over 500', { limit: '501' }, 'limit'],
    ['a limit that is not a number', { limit: 'ten' }, 'limit'],
    ['an unknown format', { format: 'xlsx' }, 'format'],
  ])('answers 400 naming the field for %s', async (_, query, field) => {
    const result = await members('loyal-customers', query);

    expect(result.statusCode).toBe(400);
    expect(JSON.stringify(bodyOf(result))).toContain(`"field":"${field}"`);
  });

  it('answers 400 for a cursor it did not issue, or issued for another segment', async () => {
    const first = bodyOf(await members('loyal-customers', { limit: '1' })) as { nextCursor: string };
    for (const cursor of ['not-a-cursor', first.nextCursor]) {
      const result = await members(cursor === first.nextCursor ? 'hot-leads' : 'loyal-customers', { cursor });

      expect(result.statusCode).toBe(400);
      expect(bodyOf(result)).toMatchObject({ error: 'invalid_cursor', field: 'cursor' });
    }
  });

  it('answers 404 naming an unknown segment', async () => {
    const result = await members('nope');

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result).message).toContain('"nope"');
  });
});
