import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { lifecycle, scoringRules } from '../../functions/scoring/domain/content';
import { DynamoScoreReader, makeReadScoreHandler } from '../../functions/scoring/read-score';
import { rescoreAll } from '../../functions/scoring/rescore';
import { bodyOf, httpEvent, lambdaContext, memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';

let table: TestTable;
let contactId: string;
const TOKEN = 'score-admin-token-0123456789';

beforeAll(async () => {
  table = await createTestTable();
  const contacts = new DynamoContacts(table.documentClient, table.tableName);
  ({ contactId } = await contacts.recordSubmission(
    'why@acme.example',
    { formId: 'demo-request', fields: { email: 'why@acme.example', budget: 10000, job_title: 'Director of IT' }, utm: {} },
    new Date('2026-11-01T10:00:00.000Z'),
  ));
  await contacts.appendEvent(contactId, { type: 'event.tracked', occurredAt: '2026-11-01T11:00:00.000Z', data: { event: 'webinar_attended', properties: {} } });
  await rescoreAll({ db: table.documentClient, tableName: table.tableName, rules: scoringRules, lifecycle, dryRun: false, now: new Date('2026-11-02T00:00:00.000Z') });
});

const handler = (now = '2026-12-01T11:00:00.000Z') =>
  makeReadScoreHandler({
    reader: new DynamoScoreReader(table.documentClient, table.tableName),
    rules: scoringRules,
    lifecycle,
    clock: { now: () => new Date(now) },
    logger: memoryLogger(),
  });

const request = (id: string, token = TOKEN) =>
  httpEvent({ routeKey: 'GET /contacts/{contactId}/score', path: `/contacts/${id}/score`, pathParameters: { contactId: id }, headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('GET /contacts/{contactId}/score', () => {
  it('answers why the lead has its score: each rule, its points now, when it was earned, and the history', async () => {
    const result = await handler()(request(contactId), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(result.headers['cache-control']).toBe('no-store');
    const body = bodyOf(result);
    // 30 days after the webinar its 15 points have halved to 7.5; the form post, an hour older, is just under 5.
    expect(body).toMatchObject({ contactId, stage: { id: 'mql', label: 'Marketing-qualified lead' }, score: { fit: 35, behaviour: 12, total: 47 }, rulesVersion: 1 });
    expect(body.contributions).toEqual([
      { kind: 'fit', ruleId: 'budget-5000', label: 'Budget of $5,000 or more', points: 20 },
      { kind: 'fit', ruleId: 'senior-title', label: 'Title is VP, Director, Head or C-level', points: 15 },
      expect.objectContaining({ kind: 'behaviour', ruleId: 'webinar', points: 7.5, earned: 15, at: '2026-11-01T11:00:00.000Z' }),
      expect.objectContaining({ kind: 'behaviour', ruleId: 'form-post', points: 5, earned: 10, at: '2026-11-01T10:00:00.000Z' }),
    ]);
    expect(body.history).toEqual([expect.objectContaining({ total: 60, cause: 'rescore' })]);
  });

  it('answers 404 for a contact that does not exist and 401 without a key', async () => {
    expect((await handler()(request('01JNOPE000000000000000000'), lambdaContext())).statusCode).toBe(404);
    expect((await handler()(request(contactId, ''), lambdaContext())).statusCode).toBe(401);
  });
});
