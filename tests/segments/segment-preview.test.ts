import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { countUpdate } from '../../functions/reports/dynamo-report-state';
import { lifecycle } from '../../functions/scoring/domain/content';
import { segmentMetric } from '../../functions/segments/domain/rules';
import { DynamoSegmentCounters } from '../../functions/segments/dynamo-segment-counters';
import { previewSegment, shippedFunnel, type PreviewBudget } from '../../functions/segments/rebuild';
import { makeSegmentPreviewHandler, PREVIEW_SAMPLE } from '../../functions/segments/segment-preview';
import { segments } from '../../functions/segments/segments';
import { bodyOf, grantedTo, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

let table: TestTable;
const logger = memoryLogger();
/** The contacts with a budget of 8000, by contact id. */
const bigBudgets: { contactId: string; email: string }[] = [];
const CONTACTS = 30;

function previewer(budget: PreviewBudget = {}) {
  return makeSegmentPreviewHandler({
    preview: (segment, now, b) =>
      previewSegment({ db: table.documentClient, tableName: table.tableName, segment, now, funnel: shippedFunnel, sampleSize: PREVIEW_SAMPLE, budget: b }),
    segments,
    stages: new Set([...lifecycle.stages, ...lifecycle.sideStages].map((stage) => stage.id)),
    counters: new DynamoSegmentCounters(table.documentClient, table.tableName),
    budget,
    clock: { now: () => new Date('2026-11-20T12:00:00.000Z') },
    logger,
  });
}

const post = (handler: ReturnType<typeof makeSegmentPreviewHandler>, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  handler(
    httpEvent({
      routeKey: 'POST /segments/preview',
      path: '/segments/preview',
      pathParameters: {},
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      authorizer: grantedTo('contacts:read'),
    }),
    lambdaContext(),
  );

const BIG_BUDGETS = `id: big-budgets
name: Big budgets
# a comment the normalized file drops
match:
  where: budget >= 5000
`;

beforeAll(async () => {
  table = await createTestTable();
  const contacts = new DynamoContacts(table.documentClient, table.tableName);
  for (let i = 0; i < CONTACTS; i++) {
    const email = `preview-${String(i).padStart(2, '0')}@example.com`;
    const budget = i % 2 === 0 ? 8000 : 1000;
    const { contactId } = await contacts.recordSubmission(email, { formId: 'demo-request', fields: { email, budget }, utm: {} }, new Date('2026-11-01T08:00:00.000Z'));
    if (budget === 8000) bigBudgets.push({ contactId, email });
  }
  bigBudgets.sort((a, b) => a.contactId.localeCompare(b.contactId));
  await table.documentClient.send(
    new UpdateCommand({ TableName: table.tableName, ...countUpdate({ type: 'CountMetric', metric: segmentMetric('high-budget-prospects'), day: 'current', shard: 1, counts: { size: 11 } }) }),
  );
}, 120_000);

describe('POST /segments/preview', () => {
  it('evaluates a new segment file over every contact: its size, a sample of 20 members with addresses, and the file to save', async () => {
    const result = await post(previewer(), { file: BIG_BUDGETS });

    expect(result.statusCode).toBe(200);
    expect(result.headers['cache-control']).toBe('no-store');
    const body = bodyOf(result) as Record<string, unknown> & { sample: { contactId: string; email: string }[]; file: { path: string; content: string } };
    expect(body).toMatchObject({ segment: { id: 'big-budgets', name: 'Big budgets', description: '' }, size: 15, contacts: CONTACTS, complete: true, shipped: false });
    expect(body).not.toHaveProperty('currentSize');
    expect(body.sample.map(({ contactId, email }) => ({ contactId, email }))).toEqual(bigBudgets.slice(0, 20));
    expect(body.file.path).toBe('content/segments/big-budgets.yaml');
    expect(body.file.content).not.toContain('a comment');
    expect(parse(body.file.content)).toEqual({ id: 'big-budgets', name: 'Big budgets', match: { where: 'budget >= 5000' } });
    expect(JSON.stringify(logger.lines)).not.toContain('preview-0');
  });

  it("says when the file replaces a shipped segment, with that segment's stored size", async () => {
    const file = `id: high-budget-prospects\nname: Prospects with a budget of $5,000 or more\nmatch:\n  where: budget >= 5000\n`;

    const body = bodyOf(await post(previewer(), { file }));

    expect(body).toMatchObject({ shipped: true, currentSize: 11, size: 15 });
  });

  it('stops at its budget and says the answer is partial', async () => {
    const body = bodyOf(await post(previewer({ maxContacts: 5 }), { file: BIG_BUDGETS }));

    expect(body.complete).toBe(false);
    expect(body.contacts).toBeGreaterThanOrEqual(5);
    expect(body.contacts).toBeLessThan(CONTACTS);
    expect(body.size).toBeLessThanOrEqual(body.contacts as number);
  });

  it('stops when its time is up', async () => {
    const body = bodyOf(await post(previewer({ maxMillis: 0 }), { file: BIG_BUDGETS }));

    expect(body).toMatchObject({ complete: false, contacts: 0, size: 0, sample: [] });
  });

  it('answers 422 naming the path of each problem, as the build would refuse the file', async () => {
    const result = await post(previewer(), { file: 'id: Bad Id\nmatch:\n  all:\n    - event: order_completed\n      within: soon\n' });

    expect(result.statusCode).toBe(422);
    const body = bodyOf(result) as { error: string; errors: { field: string }[] };
    expect(body.error).toBe('invalid_segment_file');
    expect(body.errors.map((e) => e.field)).toEqual(['id', 'name', 'match.all.0.within']);
  });

  it('answers 422 for a stage content/lifecycle.yaml does not declare', async () => {
    const result = await post(previewer(), { file: 'id: typo\nname: Typo\nmatch:\n  where: stage >= sqll\n' });

    expect(result.statusCode).toBe(422);
    expect(bodyOf(result)).toMatchObject({ errors: [{ field: 'match', message: '"stage >= sqll" names no stage of content/lifecycle.yaml' }] });
  });

  it('answers 400 for YAML that does not parse, or a body without a file', async () => {
    const yaml = await post(previewer(), { file: 'id: [unclosed\nname: x' });
    const json = await post(previewer(), '{"file":');
    const missing = await post(previewer(), {});
    const form = await post(previewer(), 'file=x', { 'content-type': 'application/x-www-form-urlencoded' });

    expect(yaml.statusCode).toBe(400);
    expect(bodyOf(yaml)).toMatchObject({ error: 'invalid_yaml' });
    expect(json.statusCode).toBe(400);
    expect(missing.statusCode).toBe(422);
    expect(bodyOf(missing)).toMatchObject({ errors: [{ field: 'file', message: 'is required' }] });
    expect(form.statusCode).toBe(415);
  });

  it('refuses a body over 64 KB before reading it', async () => {
    const result = await post(previewer(), { file: `id: big\nname: Big\ndescription: "${'x'.repeat(70_000)}"\nmatch:\n  where: budget >= 1\n` });

    expect(result.statusCode).toBe(413);
  });
});
