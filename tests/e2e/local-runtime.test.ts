import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocal, stopLocal, type Running } from '../support/local-app';
import { LOCAL_API_KEY } from '../../local/settings';

const ADMIN_TOKEN = 'e2e-admin-token-0123456789';
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const dataDir = mkdtempSync(join(tmpdir(), 'nurture-e2e-'));
const started: Running[] = [];
const start = async () => {
  // Four journey hours per second: the budget-router's 3-day wait for a click lasts 18 s, long enough to stop in.
  const running = await startLocal({ dataDir, adminToken: ADMIN_TOKEN, env: { TIME_SCALE: '14400' } });
  started.push(running);
  return running;
};

/** Reads the demo page's form the way a browser does: its action and every named input with its value. */
function parseForm(html: string) {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  const inputs = [...html.matchAll(/<input\b([^>]*)>/g)].map((m) => ({
    name: /name="([^"]+)"/.exec(m[1]!)?.[1],
    type: /type="([^"]+)"/.exec(m[1]!)?.[1] ?? 'text',
    value: /value="([^"]*)"/.exec(m[1]!)?.[1] ?? '',
  }));
  return { action, inputs };
}

async function contactByEmail(url: string, email: string) {
  const response = await fetch(`${url}/contacts?email=${encodeURIComponent(email)}`, {
    headers: { authorization: `Bearer ${LOCAL_API_KEY}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

afterAll(() => {
  for (const running of started) running.kill();
});

describe('npm start, end to end', () => {
  it('takes a plain HTML form post from the demo page to a contact, its timeline event and the reactor marker; stops on Ctrl-C and keeps data and waiting journeys across restarts', { timeout: 240_000 }, async () => {
    // Prepare
    const running = await start();
    const health = await fetch(`${running.url}/health`);
    expect(health.status).toBe(200);
    const page = await fetch(`${running.url}/`);
    const { action, inputs } = parseForm(await page.text());
    expect(action).toBe('/forms/demo-request');

    // Act: fill the visible fields, keep the hidden ones, leave the honeypot empty, submit.
    const email = `e2e-${Date.now()}@example.com`;
    const typed: Record<string, string> = {
      email,
      first_name: 'Dana',
      last_name: 'Scully',
      company: 'FBI',
      job_title: 'Special Agent',
      budget: '3500',
      marketing_consent: 'true',
    };
    const form = new URLSearchParams();
    for (const input of inputs) {
      if (input.name) form.append(input.name, input.type === 'hidden' ? input.value : (typed[input.name] ?? ''));
    }
    const posted = await fetch(new URL(action!, running.url), {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
        origin: running.url,
        referer: `${running.url}/`,
        'user-agent': BROWSER_UA,
      },
      body: form.toString(),
    });

    // Assess: the browser is sent to the thank-you page…
    expect(posted.status).toBe(303);
    const thankYou = await fetch(posted.headers.get('location')!);
    expect(thankYou.status).toBe(200);
    expect(await thankYou.text()).toContain('Thank you');

    // …the contact exists with its event, and the reactor, fed by the real stream, marked the event (and reacted to
    // it: scoring, stages and the budget-router journey append their own events after it).
    type Item = { type: string; processedAt?: string };
    const formEvent = (body: { timeline?: { items?: Item[] } }) => body.timeline?.items?.find((item) => item.type === 'form.submitted');
    let contact = await contactByEmail(running.url, email);
    // The reactor's first batch on a fresh runtime can take a while on a busy machine: a generous bound, never a pace.
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && !formEvent(contact.body)?.processedAt; ) {
      await sleep(100);
      contact = await contactByEmail(running.url, email);
    }
    expect(contact.status).toBe(200);
    expect(contact.body.contact).toMatchObject({
      email,
      attributes: { first_name: 'Dana', last_name: 'Scully', company: 'FBI', job_title: 'Special Agent', budget: 3500 },
      firstTouch: { utm: { utm_source: 'google', utm_campaign: 'black-friday' } },
    });
    expect(contact.body.timeline.items.filter((item: Item) => item.type === 'form.submitted')).toHaveLength(1);
    expect(formEvent(contact.body)).toMatchObject({
      type: 'form.submitted',
      data: { formId: 'demo-request', userAgent: BROWSER_UA },
      processedAt: expect.any(String),
    });
    expect((await fetch(`${running.url}/contacts?email=${email}`)).status).toBe(401);

    // The budget-router journey (budget under 5000) sends the first nurture email, then waits 3 days for a click.
    const sent = async (url: string) => ((await contactByEmail(url, email)).body.timeline?.items ?? []).filter((item: Item & { data?: { templateId?: string } }) => item.type === 'email.sent').map((item: { data: { templateId: string } }) => item.data.templateId);
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && !(await sent(running.url)).includes('nurture-1'); ) await sleep(200);
    expect(await sent(running.url)).toEqual(['nurture-1']);

    // Ctrl-C stops the whole tree cleanly, DynamoDB Local included.
    expect(await stopLocal(running)).toBe(0);
    expect(running.output()).toContain('Stopped.');
    await expect(fetch(`${running.dynamoDbEndpoint}`)).rejects.toThrow();

    // A restart on the same data directory still knows the contact, and the journey waiting when it stopped runs
    // on: its wait ends, unclicked, and the second nurture email goes out, the first never again.
    const again = await start();
    const kept = await contactByEmail(again.url, email);
    expect(kept.body.contact?.contactId).toBe(contact.body.contact.contactId);
    for (const deadline = Date.now() + 90_000; Date.now() < deadline && !(await sent(again.url)).includes('nurture-2'); ) await sleep(250);
    expect(await sent(again.url)).toEqual(['nurture-2', 'nurture-1']);
    expect(await stopLocal(again)).toBe(0);
  });
});
