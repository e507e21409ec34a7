import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal, stopLocal, type Running } from '../support/local-app';
import { LOCAL_API_KEY } from '../../local/settings';

const ADMIN_TOKEN = 'contacts-admin-token-0123456789';
const admin = { authorization: `Bearer ${LOCAL_API_KEY}`, 'content-type': 'application/json' };
let running: Running;
let s3: S3Client | undefined;

beforeAll(async () => {
  running = await startLocal({ dataDir: mkdtempSync(join(tmpdir(), 'nurture-contacts-')), adminToken: ADMIN_TOKEN });
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  if (running) await stopLocal(running).catch(() => running.kill());
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${running.url}${path}`, { method, headers: admin, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Asks until the search finds something (the reactor indexes form posts a moment after they are written). */
async function eventually(path: string): Promise<{ contactId: string }[]> {
  for (let i = 0; i < 60; i++) {
    const { body } = await call('GET', path);
    const found = (body.contacts ?? []) as { contactId: string }[];
    if (found.length > 0) return found;
    await sleep(250);
  }
  return [];
}

describe('contacts in, through npm start', () => {
  it('upserts through the gateway, finds the contact at once, and answers unchanged the second time', { timeout: 60_000 }, async () => {
    const body = { email: 'Ada@Example.com', attributes: { first_name: 'Ada', last_name: 'Lovelace', budget: '5,000' }, tags: ['vip'] };

    const created = await call('PUT', '/contacts', body);
    const again = await call('PUT', '/contacts', body);
    const byName = await call('GET', '/contacts?name=lovel');
    const byTag = await call('GET', '/contacts?tag=vip');

    expect(created.status).toBe(201);
    expect(again).toEqual({ status: 200, body: { result: 'unchanged', contactId: created.body.contactId } });
    expect((byName.body.contacts as { contactId: string }[]).map((c) => c.contactId)).toEqual([created.body.contactId]);
    expect((byTag.body.contacts as { contactId: string }[]).map((c) => c.contactId)).toEqual([created.body.contactId]);
  });

  it('indexes a contact that came in through a form once the reactor has seen its post', { timeout: 60_000 }, async () => {
    const post = await fetch(`${running.url}/forms/newsletter`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'grace@example.com', first_name: 'Grace', newsletter_consent: true }),
    });
    const { contactId } = (await post.json()) as { contactId: string };

    expect(post.status).toBe(201);
    expect((await eventually('/contacts?emailPrefix=grace@')).map((c) => c.contactId)).toEqual([contactId]);
  });

  it('creates and enrols an unknown email when the enrolment says so, and answers 404 when it does not', { timeout: 60_000 }, async () => {
    const missing = await call('POST', '/journeys/welcome/enrollments', { email: 'nobody@example.com' });
    const enrolled = await call('POST', '/journeys/welcome/enrollments', {
      email: 'nia@example.com',
      create: true,
      attributes: { first_name: 'Nia' },
      consents: [{ topic: 'newsletter', status: 'subscribed', basis: 'api', source: 'zapier' }],
    });

    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'not_found' });
    expect(enrolled.status).toBe(200);
    expect(enrolled.body.results).toEqual([expect.objectContaining({ result: 'enrolled' })]);
    expect((await call('GET', '/contacts?email=nia@example.com')).body.contact).toMatchObject({
      attributes: { first_name: 'Nia' },
      subscriptions: { newsletter: { status: 'subscribed', basis: 'api', source: 'zapier' } },
    });
  });
});

describe('a file dropped in the local import bucket, through npm start', () => {
  // The real S3 client, as `aws s3 cp --endpoint-url` reaches the local bucket: path-style, dummy keys.
  const bucket = () => (s3 ??= new S3Client({ endpoint: running.s3Endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));

  /** The report of a dropped file, once the import has written it (polled, at most 30 s). */
  async function reportOf(name: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const object = await bucket().send(new GetObjectCommand({ Bucket: running.importBucket, Key: `reports/${name}.report.json` }));
        return JSON.parse(await object.Body!.transformToString()) as Record<string, unknown>;
      } catch (error) {
        // s3rver (the local bucket) writes an object's file in place, unlike S3: a read while the report is being
        // written gets a part of it, so an unfinished report is waited for like a missing one.
        if (!(error instanceof NoSuchKey || error instanceof SyntaxError) || Date.now() > deadline) throw error;
        await sleep(100);
      }
    }
  }

  /** Drops a file under imports/ (after removing an earlier report of it, so the next one is this drop's). */
  async function drop(name: string, text: string, metadata: Record<string, string> = {}) {
    await bucket().send(new DeleteObjectCommand({ Bucket: running.importBucket, Key: `reports/${name}.report.json` }));
    await bucket().send(new PutObjectCommand({ Bucket: running.importBucket, Key: `imports/${name}`, Body: text, Metadata: metadata }));
  }

  it('imports a CSV with its metadata\'s topic and consent column, and reports counts without an address', { timeout: 60_000 }, async () => {
    // Act
    await drop('fair.csv', 'Email,First Name,Opt in\nlin@drop.example.com,Lin,yes\nmo@drop.example.com,Mo,no\n', { topic: 'newsletter', 'consent-column': 'Opt in' });
    const report = await reportOf('fair.csv');

    // Assess
    expect(report).toMatchObject({ file: 'fair.csv', format: 'csv', rows: 2, created: { count: 1, rows: '2' }, rejected: { count: 1, rows: '3' } });
    expect(JSON.stringify(report)).not.toContain('@drop.example.com');
    expect((await call('GET', '/contacts?email=lin@drop.example.com')).body.contact).toMatchObject({
      attributes: { first_name: 'Lin' },
      subscriptions: { newsletter: { status: 'subscribed', basis: 'import', source: 'fair.csv' } },
    });
    expect((await call('GET', '/contacts?email=mo@drop.example.com')).status).toBe(404);
  });

  it('reports every row unchanged when the same file is dropped again', { timeout: 60_000 }, async () => {
    // Prepare
    const text = 'email,first_name\nkai@again.example.com,Kai\nrue@again.example.com,Rue\n';
    await drop('again.csv', text);
    expect(await reportOf('again.csv')).toMatchObject({ created: { count: 2 } });

    // Act
    await drop('again.csv', text);

    // Assess
    expect(await reportOf('again.csv')).toMatchObject({ created: { count: 0 }, unchanged: { count: 2, rows: '2-3' } });
  });

  it('writes a report with the error for a file that cannot be imported', { timeout: 60_000 }, async () => {
    // Act
    await drop('names.csv', 'name\nAda\n');

    // Assess
    expect(await reportOf('names.csv')).toMatchObject({ file: 'names.csv', error: expect.stringMatching(/^no email column/) });
  });
});
