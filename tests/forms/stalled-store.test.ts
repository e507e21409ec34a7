import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoIntake } from '../../functions/forms/dynamo-intake';
import { IntakeUnavailable } from '../../functions/forms/intake';
import { localCredentials, localRegion, startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';
import { startRuntime, type Runtime } from '../../local/runtime';
import { startStallingProxy, type StallingProxy } from '../support/stalling-proxy';

/**
 * Form posts while DynamoDB stalls, through the real local gateway and handler, with a fault-injecting proxy between
 * the runtime and its DynamoDB Local. The function times out after 10 s; the post must be answered before that.
 */
const FUNCTION_TIMEOUT_MS = 10_000;
let dynamo: DynamoDbLocal;
let proxy: StallingProxy;
let runtime: Runtime;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({ port: 0 });
  proxy = await startStallingProxy(dynamo.endpoint);
  runtime = await startRuntime({ port: 0, sesPort: 0, s3Port: 0, dataDir: null, identityEndpoint: inject('identityEndpoint'), dynamoDbEndpoint: proxy.endpoint, tableName: 'stalled-forms' });
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
  await proxy?.close();
  await dynamo?.stop();
});

const json = { 'content-type': 'application/json', accept: 'application/json', origin: 'http://localhost:3000' };
const post = async (body: Record<string, unknown>, headers: Record<string, string> = json) => {
  const started = Date.now();
  const response = await fetch(`${runtime.url}/forms/demo-request`, {
    method: 'POST',
    redirect: 'manual',
    headers,
    body: headers['content-type'] === 'application/json' ? JSON.stringify(body) : new URLSearchParams(body as Record<string, string>).toString(),
  });
  return { response, ms: Date.now() - started };
};
const formEvents = async (email: string) => {
  const response = await fetch(`${runtime.url}/contacts?email=${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${runtime.apiKey}` } });
  if (response.status === 404) return undefined;
  const body = (await response.json()) as { contact: { contactId: string }; timeline: { items: { type: string; eventId: string }[] } };
  return { contactId: body.contact.contactId, events: body.timeline.items.filter((item) => item.type === 'form.submitted') };
};

describe('a form post while DynamoDB stalls', () => {
  it('answers 201 before the function times out when the transaction applied but its answer was lost, and the same post again is the same submission', { timeout: 60_000 }, async () => {
    const email = `applied-${Date.now()}@example.com`;
    const body = { email, first_name: 'Ada', budget: 2000 };
    proxy.stall('TransactWriteItems', 'apply');
    try {
      const first = await post(body);
      expect(first.response.status, await first.response.clone().text()).toBe(201);
      expect(first.ms).toBeLessThan(FUNCTION_TIMEOUT_MS);
      const answer = (await first.response.json()) as { contactId: string; eventId: string };

      // The client never saw an answer it trusted and posts again, without an Idempotency-Key.
      proxy.heal();
      const again = await post(body);
      expect(again.response.status).toBe(201);
      expect(await again.response.json()).toMatchObject({ contactId: answer.contactId, eventId: answer.eventId });
      const stored = await formEvents(email);
      expect(stored?.events.map((e) => e.eventId)).toEqual([answer.eventId]);
    } finally {
      proxy.heal();
    }
  });

  it('answers 503 busy (JSON, and a page to a browser) before the function times out when the transaction never reached DynamoDB; nothing is stored, and a retry stores it once', { timeout: 60_000 }, async () => {
    const email = `dropped-${Date.now()}@example.com`;
    const body = { email, first_name: 'Ada', budget: 2000 };
    proxy.stall('TransactWriteItems', 'drop');
    try {
      const [api, browser] = await Promise.all([
        post(body),
        post({ email: `browser-${email}`, first_name: 'Ada' }, { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', origin: 'http://localhost:3000' }),
      ]);
      expect(api.response.status).toBe(503);
      expect(await api.response.json()).toMatchObject({ error: 'busy' });
      expect(api.ms).toBeLessThan(FUNCTION_TIMEOUT_MS);
      expect(browser.response.status).toBe(503);
      expect(browser.response.headers.get('content-type')).toContain('text/html');
      expect(browser.ms).toBeLessThan(FUNCTION_TIMEOUT_MS);
    } finally {
      proxy.heal();
    }
    expect(await formEvents(email)).toBeUndefined();
    expect(await formEvents(`browser-${email}`)).toBeUndefined();

    const retry = await post(body);
    expect(retry.response.status).toBe(201);
    expect((await formEvents(email))?.events).toHaveLength(1);
  });

  it('gives up within its budget, writing nothing, when the first read stalls', { timeout: 30_000 }, async () => {
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: proxy.endpoint, region: localRegion, credentials: localCredentials }));
    const intake = new DynamoIntake(db, runtime.tableName, undefined, undefined, 500);
    const email = `read-stalled-${Date.now()}@example.com`;
    const submission = { email, emailRole: false, contentKey: `k-${Date.now()}`, data: { formId: 'demo-request', fields: { email, first_name: 'Ada' }, utm: {} } };
    proxy.stall('BatchGetItem', 'drop');
    const started = Date.now();
    try {
      await expect(intake.record(submission, new Date())).rejects.toBeInstanceOf(IntakeUnavailable);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      proxy.heal();
      db.destroy();
    }
    expect(await formEvents(email)).toBeUndefined();
  });

  it('takes the same post without an Idempotency-Key as the same submission for 10 minutes, and as a new one after', async () => {
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: proxy.endpoint, region: localRegion, credentials: localCredentials }));
    const intake = new DynamoIntake(db, runtime.tableName);
    const email = `repeated-${Date.now()}@example.com`;
    const submission = { email, emailRole: false, contentKey: `k-${Date.now()}`, data: { formId: 'demo-request', fields: { email, first_name: 'Ada' }, utm: {} } };
    const at = Date.now();
    try {
      const first = await intake.record(submission, new Date(at));
      const retried = await intake.record(submission, new Date(at + 9 * 60_000));
      const later = await intake.record(submission, new Date(at + 11 * 60_000));

      expect(first).toMatchObject({ created: true, replayed: false });
      expect(retried).toEqual({ ...first, replayed: true });
      expect(later).toMatchObject({ contactId: first.contactId, created: false, replayed: false });
      expect(later.eventId).not.toBe(first.eventId);
    } finally {
      db.destroy();
    }
  });
});
