import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal, stopLocal, type Running } from '../support/local-app';

const ADMIN_TOKEN = 'contacts-admin-token-0123456789';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
let running: Running;

beforeAll(async () => {
  running = await startLocal({ dataDir: mkdtempSync(join(tmpdir(), 'nurture-contacts-')), adminToken: ADMIN_TOKEN });
}, 120_000);

afterAll(async () => {
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
