import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { startTestRuntime } from '../support/runtime';
import { eventually, journeyDriver, trackedLinks, uniqueEmail } from './support';

/**
 * The seed scenario on the defaults of `npm start` (no TIME_SCALE: a day of journey time a second), as a person
 * tries it: nothing here moves the clock or slows the journeys down.
 */
let runtime: Runtime;
let drive: ReturnType<typeof journeyDriver>;
const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

beforeAll(async () => {
  delete process.env.TIME_SCALE;
  runtime = await startTestRuntime({ tableName: 'seed-defaults' });
  drive = journeyDriver(runtime);
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

describe('the seed flow on npm start defaults', () => {
  it('jumps to the demo offer when a person clicks the first nurture email\'s link as it arrives', { timeout: 60_000 }, async () => {
    const email = uniqueEmail('clicker');
    await drive.identify(email, { email, first_name: 'Ada' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Ada', budget: 2000 });
    const [first] = await eventually(() => drive.inbox(email), (mails) => mails.length > 0, 10_000);
    const click = await fetch(trackedLinks(first!.html)[0]!, { redirect: 'manual', headers: { 'user-agent': BROWSER_UA } });
    const execution = await drive.finished('budget-router', contactId);

    expect(click.status).toBe(302);
    expect(execution.status).toBe('SUCCEEDED');
    const clicked = (await drive.timeline(contactId)).find((e) => e.type === 'email.clicked');
    expect(clicked?.data).toMatchObject({ templateId: 'nurture-1', machine: false });
    expect(await drive.sent(contactId)).toEqual(['nurture-1', 'demo-offer']);
  });

  it('sends all four nurture emails to a lead who clicks nothing, as the simulator does', { timeout: 90_000 }, async () => {
    const email = uniqueEmail('quiet');
    await drive.identify(email, { email, first_name: 'Quinn' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Quinn', budget: 2000 });
    await drive.finished('budget-router', contactId, 60_000);

    const run = await drive.versusSimulator('budget-router', contactId, { budget: 2_000 });
    expect(run.runtime).toEqual(run.simulator);
    expect(run.runtime.emails).toEqual(['nurture-1', 'nurture-2', 'nurture-3', 'nurture-4']);
  });

  it('hands a $9,000 lead to the CRM first as an MQL with score 30, the state after the form post', { timeout: 60_000 }, async () => {
    const email = uniqueEmail('big-lead');
    await drive.identify(email, { email, first_name: 'Grace' });

    const contactId = await drive.postForm('demo-request', { email, first_name: 'Grace', company: 'Navy', budget: '9,000' });
    await drive.finished('budget-router', contactId);
    const handOffs = await eventually(
      async () => ((await (await fetch(`${runtime.url}/dev/crm`, { headers: { accept: 'application/json' } })).json()) as { handOffs: { email?: string; created: boolean; properties: Record<string, string> }[] }).handOffs,
      (all) => all.some((h) => h.email === email),
    );

    const created = handOffs.find((h) => h.email === email && h.created);
    expect(created?.properties).toMatchObject({ lifecyclestage: 'marketingqualifiedlead', nurture_score: '30' });
  });

  it('accepts a mistyped address confirmed with a JSON boolean through the gateway', async () => {
    const email = uniqueEmail('typo').replace('@example.com', '@gmial.com');

    const response = await fetch(`${runtime.url}/forms/demo-request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: runtime.url },
      body: JSON.stringify({ email, first_name: 'Typo', budget: 1000, email_confirmed: true }),
    });

    expect(response.status, await response.text()).toBe(201);
  });
});
