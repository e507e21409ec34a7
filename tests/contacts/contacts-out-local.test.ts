import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { localCredentials, localRegion } from '../../local/dynamodb-local';
import { REPORT_NAMES } from '../../functions/reports/reports';
import { startLocal, stopLocal, type Running } from '../support/local-app';
import { LOCAL_API_KEY } from '../../local/settings';

const ADMIN_TOKEN = 'contacts-out-admin-token-0123456789';
const auth = { authorization: `Bearer ${LOCAL_API_KEY}` };
const started: Running[] = [];

afterAll(() => {
  for (const running of started) running.kill();
});

async function api(running: Running, method: string, path: string, body?: unknown) {
  const response = await fetch(`${running.url}${path}`, {
    method,
    headers: { ...auth, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** `npm run contacts -- <args>` against the running gateway, as an operator runs it. */
async function cli(running: Running, ...args: string[]) {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/contacts.ts', ...args], {
    cwd: join(import.meta.dirname, '../..'),
    env: { ...process.env, PORT: new URL(running.url).port, NURTURE_API_KEY: LOCAL_API_KEY },
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Every report as the API answers it, for the days around today. */
async function reports(running: Running) {
  const today = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10);
  const answers: Record<string, unknown> = {};
  for (const name of REPORT_NAMES) {
    const answer = await api(running, 'GET', `/reports/${name}?from=${from}&to=${to > today ? to : today}`);
    expect(answer.status, name).toBe(200);
    answers[name] = answer.body;
  }
  return answers;
}

async function wholeTable(running: Running): Promise<string> {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: running.dynamoDbEndpoint, region: localRegion, credentials: localCredentials }));
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client: db }, { TableName: 'nurture-local' })) items.push(...(page.Items ?? []));
  db.destroy();
  return JSON.stringify(items);
}

describe('contacts out through npm start', () => {
  it(
    'erases a contact waiting in a journey: the execution stops, no personal data is left, every report reads the same',
    { timeout: 240_000 },
    async () => {
      // Prepare: an hour of journey time a second, so the nurture sequence waits for a click for about a minute.
      const running = await startLocal({ dataDir: mkdtempSync(join(tmpdir(), 'nurture-out-')), adminToken: ADMIN_TOKEN, env: { TIME_SCALE: '3600' } });
      started.push(running);
      const email = `out-${Date.now()}@example.com`;
      const [name, phone] = ['Fox Mulderson', '+1 202 555 0147'];
      const posted = await fetch(`${running.url}/forms/demo-request`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', origin: running.url },
        body: JSON.stringify({ email, first_name: name, phone, budget: '3500', marketing_consent: 'on' }),
      });
      expect(posted.status).toBe(201);
      const contactId = String(((await posted.json()) as { contactId: string }).contactId);

      // The journey reaches its wait for a click (a generous bound on a busy machine, never a pace).
      let exported = await api(running, 'GET', `/contacts/${contactId}/export`);
      for (const deadline = Date.now() + 120_000; Date.now() < deadline && !(exported.body.journeys?.waits?.length > 0); ) {
        await sleep(500);
        exported = await api(running, 'GET', `/contacts/${contactId}/export`);
      }
      expect(exported.body.journeys.memberships).toEqual([expect.objectContaining({ journeyId: 'budget-router', status: 'running' })]);
      expect(exported.body.journeys.waits).toEqual([expect.objectContaining({ event: 'email.clicked' })]);
      expect(exported.body.sends.length).toBeGreaterThan(0);
      expect(await cli(running, 'export', email)).toMatchObject({ contactId, profile: { email } });
      // Reports settle once the reactor has taken every event so far.
      let before = await reports(running);
      for (let again = await reports(running); JSON.stringify(again) !== JSON.stringify(before); again = await reports(running)) {
        before = again;
        await sleep(1_000);
      }

      // Act
      const erased = await api(running, 'DELETE', `/contacts/${contactId}`);

      // Assess
      expect(erased.status).toBe(200);
      expect(erased.body).toMatchObject({ contactId, status: 'erased', journeysStopped: 1 });
      // Long enough for a still-running execution to reach its next step and write: nothing comes.
      await sleep(5_000);
      const stored = await wholeTable(running);
      for (const personal of [email, name, phone]) expect(stored).not.toContain(personal);
      expect(await reports(running)).toEqual(before);
      expect((await api(running, 'GET', `/contacts/${contactId}/export`)).status).toBe(404);
      expect(await api(running, 'DELETE', `/contacts/${contactId}`)).toEqual(erased);
      expect(await cli(running, 'erase', contactId)).toEqual(erased.body);
      expect(running.output()).not.toMatch(/unhandled error|JourneyFailed|journey\.failed/);

      // The address comes back only with fresh consent.
      const again = await fetch(`${running.url}/forms/demo-request`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', origin: running.url },
        body: JSON.stringify({ email, first_name: name }),
      });
      expect(again.status).toBe(422);
      expect(await stopLocal(running)).toBe(0);
    },
  );
});
