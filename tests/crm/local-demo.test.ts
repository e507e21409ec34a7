import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubSpotV3Signature } from '../../functions/crm/signatures';
import type { CrmInbox } from '../../local/crm-receiver';
import { startLocal, stopLocal, type Running } from '../support/local-app';

const ADMIN_TOKEN = 'crm-e2e-admin-token-0123456789';
let running: Running;

beforeAll(async () => {
  running = await startLocal({ dataDir: mkdtempSync(join(tmpdir(), 'nurture-crm-e2e-')), adminToken: ADMIN_TOKEN });
}, 120_000);
afterAll(async () => {
  if (running) await stopLocal(running);
});

const inbox = async (): Promise<CrmInbox> =>
  (await (await fetch(`${running.url}/dev/crm`, { headers: { accept: 'application/json' } })).json()) as CrmInbox;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
async function contact(email: string) {
  const response = await fetch(`${running.url}/contacts?email=${encodeURIComponent(email)}`, { headers: admin });
  return response.status === 200 ? ((await response.json()) as { contact: Record<string, unknown> }).contact : undefined;
}

const postForm = (email: string, budget: number) =>
  fetch(`${running.url}/forms/demo-request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
    body: JSON.stringify({ email, first_name: 'Dana', last_name: 'Scully', company: 'FBI', budget }),
  });

describe('npm start: the sales inbox', () => {
  it('shows a demo request with a budget of 10000 in the local CRM within seconds, with its score explained', { timeout: 60_000 }, async () => {
    const email = `big-${Date.now()}@fbi.example`;
    expect((await postForm(email, 10000)).status).toBeLessThan(400);

    // The budget-router journey may hand the lead off too (before it is scored); the MQL hand-off is the reactor's.
    const handOff = await until('the MQL hand-off', async () =>
      (await inbox()).handOffs.find((h) => h.email === email && h.properties.nurture_stage === 'mql'),
    );
    expect(handOff.properties).toMatchObject({ lifecyclestage: 'marketingqualifiedlead', nurture_score: '30' });
    const note = await until('the note for the rep', async () =>
      (await inbox()).contacts.find((c) => c.email === email)?.notes.find((n) => n.body.includes('Handed off: score 30 ≥ 30 and fit 20 ≥ 15')),
    );
    expect(note.body).toContain('Budget of $5,000 or more: +20');

    const stored = await until('the CRM id on the contact', async () => {
      const c = await contact(email);
      return c?.crm && c.stage === 'mql' ? c : undefined;
    });
    expect(stored.crm).toMatchObject({ provider: 'hubspot', id: handOff.crmId });
    const score = (await (await fetch(`${running.url}/contacts/${String(stored.contactId)}/score`, { headers: admin })).json()) as Record<string, unknown>;
    expect(score).toMatchObject({ stage: { id: 'mql' }, score: { total: 30, fit: 20, behaviour: 10 } });
    expect((score.contributions as { ruleId: string }[]).map((c) => c.ruleId)).toEqual(['budget-5000', 'form-post']);
  });

  it('does not hand off a demo request with a budget of 2000: the contact stays a lead', { timeout: 60_000 }, async () => {
    const email = `small-${Date.now()}@fbi.example`;
    expect((await postForm(email, 2000)).status).toBeLessThan(400);
    await until('the lead stage', async () => ((await contact(email))?.stage === 'lead' ? true : undefined));
    await sleep(1_500);
    expect((await inbox()).handOffs.some((h) => h.email === email)).toBe(false);
  });

  it('moves the contact to SQL when the rep marks it sales-qualified in HubSpot (signed webhook)', { timeout: 60_000 }, async () => {
    const email = `accepted-${Date.now()}@fbi.example`;
    await postForm(email, 10000);
    const handOff = await until('the hand-off', async () => (await inbox()).handOffs.find((h) => h.email === email));
    await until('the CRM id', async () => ((await contact(email))?.crm ? true : undefined));

    const url = `${running.url}/webhooks/crm/hubspot`;
    const body = JSON.stringify([
      { eventId: Date.now(), subscriptionType: 'contact.propertyChange', objectId: Number(handOff.crmId), propertyName: 'lifecyclestage', propertyValue: 'salesqualifiedlead', occurredAt: Date.now() },
    ]);
    const timestamp = String(Date.now());
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hubspot-request-timestamp': timestamp, 'x-hubspot-signature-v3': hubSpotV3Signature('local-hubspot-secret', 'POST', url, body, timestamp) },
      body,
    });
    expect(response.status).toBe(200);
    await until('the SQL stage', async () => ((await contact(email))?.stage === 'sql' ? true : undefined));
  });

  it('serves the inbox as HTML to a browser', async () => {
    const response = await fetch(`${running.url}/dev/crm`);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('Sales inbox');
  });
});
