import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { StoredEmail } from '../email/support';
import { useConsoleFixture } from './fixture';
import { expectFitsAPhone, leave, expectNoSeriousAxeViolations, requestDemo, settled } from './view-checks';

/** 10:00 in New York (the default zone): inside the send window, whenever the test runs. */
const NOW = '2026-03-10T14:00:00Z';
const NEWSLETTER_SUBJECT = "What's new this month: our monthly roundup";

const fixture = useConsoleFixture({ tableName: 'console-broadcasts' }, async (app) => {
  const clock = await fetch(`${app.url}/dev/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ at: NOW }) });
  expect(clock.status).toBe(200);
  // A budget of $5,000 or more puts her in high-budget-prospects, the audience below.
  await requestDemo(app, { email: 'grace@example.com', first_name: 'Grace', budget: 9000 });
  await settled(app);
});

async function fillNewBroadcast(page: Page, id: string): Promise<void> {
  await page.getByLabel(/^Id/).fill(id);
  await page.getByLabel('Name', { exact: true }).fill(`Console newsletter ${id}`);
  // A select of GET /templates, or the id typed when the API has no templates list.
  await page.locator('select#template option[value="monthly-newsletter"], input#template').first().waitFor({ state: 'attached' });
  const template = page.getByLabel('Template');
  if ((await template.evaluate((element) => element.tagName)) === 'SELECT') await template.selectOption('monthly-newsletter');
  else await template.fill('monthly-newsletter');
  await page.getByLabel(/^Segment/).selectOption('high-budget-prospects');
}

async function inbox(): Promise<StoredEmail[]> {
  return ((await (await fetch(`${fixture.app.sesUrl}/store`)).json()) as { emails: StoredEmail[] }).emails;
}

describe('the broadcasts views', () => {
  it('dry run shows the audience, who would be skipped and why, and a rendered sample, and sends nothing', { timeout: 60_000 }, async () => {
    const console = await fixture.open({ path: '/broadcasts/new' });
    try {
      await fillNewBroadcast(console.page, 'console-dry-run');
      await console.page.getByRole('button', { name: 'Dry run' }).click();
      const result = console.page.getByRole('region', { name: 'Dry run' });
      await result.waitFor({ timeout: 15_000 }).catch((error: Error) => {
        throw new Error(`no dry run result; the page says: ${console.errors.join('; ')}`, { cause: error });
      });
      const facts = await result.locator('dl.facts').innerText();
      expect(facts).toMatch(/Audience\s+1 members/);
      expect(facts).toMatch(/Would be sent now\s+1/);
      expect(await result.getByText('Nobody skipped.').count()).toBe(1);
      expect(await result.getByText(`Subject: ${NEWSLETTER_SUBJECT}`).count()).toBe(1);
      expect(await result.locator('iframe[sandbox=""]').count()).toBe(2);
      expect((await inbox()).filter((email) => email.subject === NEWSLETTER_SUBJECT)).toEqual([]);
      await expectNoSeriousAxeViolations(console.page);
      expect(console.errors).toEqual([]);
    } finally {
      await leave(console);
    }
  });

  it('sends a broadcast created in the console: its progress reaches sent, and the email arrives in the local inbox', { timeout: 60_000 }, async () => {
    const console = await fixture.open({ path: '/broadcasts/new' });
    try {
      await fillNewBroadcast(console.page, 'console-send');
      await console.page.getByRole('button', { name: 'Send', exact: true }).click();
      await expect.poll(() => console.page.url()).toBe(`${fixture.app.url}/console/broadcasts/console-send`);
      await console.page.getByRole('heading', { level: 1, name: 'Console newsletter console-send' }).waitFor();
      // The page polls GET /broadcasts/{id} until the broadcast has ended.
      await console.page.locator('.badge', { hasText: 'Sent' }).waitFor({ timeout: 30_000 });
      expect(await console.page.getByTestId('sent').innerText()).toBe('1');
      expect(await console.page.getByRole('button', { name: 'Cancel broadcast' }).count()).toBe(0);
      await expect
        .poll(async () => (await inbox()).filter((email) => email.subject === NEWSLETTER_SUBJECT).flatMap((email) => email.destination.to))
        .toEqual(['grace@example.com']);
      await expectNoSeriousAxeViolations(console.page);

      await console.page.getByRole('link', { name: 'Broadcasts' }).click();
      const row = console.page.getByRole('row', { name: /console-send/ });
      await row.waitFor();
      expect(await row.innerText()).toMatch(/Sent\s+1 of 1/);
      await expectNoSeriousAxeViolations(console.page);
      expect(console.errors).toEqual([]);
    } finally {
      await leave(console);
    }
  });

  it('cancels a scheduled broadcast after confirming, and stops offering to cancel it', { timeout: 60_000 }, async () => {
    // Half a year ahead: journey time runs TIME_SCALE times faster (a day a second), and under a full run's load a
    // broadcast two days ahead was sent before the console's Cancel button was clicked (409 already sent).
    const created = await fetch(`${fixture.app.url}/broadcasts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fixture.app.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'console-cancel', name: 'Sent in September', template: 'monthly-newsletter', segment: 'high-budget-prospects', when: { at: '2026-09-10T14:00:00Z' } }),
    });
    expect(created.status).toBe(202);
    const console = await fixture.open({ path: '/broadcasts/console-cancel' });
    try {
      await console.page.getByRole('button', { name: 'Cancel broadcast' }).click({ timeout: 10_000 });
      const dialog = console.page.getByRole('dialog', { name: 'Cancel this broadcast?' });
      await dialog.waitFor({ timeout: 10_000 });
      await expectNoSeriousAxeViolations(console.page);
      await dialog.getByRole('button', { name: 'Cancel broadcast' }).click();
      await console.page.locator('.badge', { hasText: 'Cancelled' }).waitFor({ timeout: 15_000 });
      expect(await console.page.getByRole('button', { name: 'Cancel broadcast' }).count()).toBe(0);
      const stored = (await (await fetch(`${fixture.app.url}/broadcasts/console-cancel`, { headers: { authorization: `Bearer ${fixture.app.apiKey}` } })).json()) as { status: string; sent: number };
      expect(stored).toMatchObject({ status: 'cancelled', sent: 0 });
      expect(console.errors).toEqual([]);
    } finally {
      await leave(console);
    }
  });

  it("shows an experiment's results with its decision", async () => {
    const console = await fixture.open({ path: '/experiments/welcome-subject' });
    try {
      await console.page.getByRole('heading', { level: 1, name: /Welcome email/ }).waitFor();
      expect(await console.page.locator('.badge').first().innerText()).toBe('No winner yet');
      expect(await console.page.getByRole('row', { name: /first-step/ }).count()).toBe(1);
      await expectNoSeriousAxeViolations(console.page);
      expect(console.errors).toEqual([]);
    } finally {
      await leave(console);
    }
  });

  it('fits a phone: the list, the new broadcast form, a broadcast and an experiment do not scroll sideways at 375 px', async () => {
    await expectFitsAPhone(fixture, '/broadcasts', (page) => page.getByRole('link', { name: /Console newsletter console-send/ }).waitFor());
    await expectFitsAPhone(fixture, '/broadcasts/new', (page) => page.locator('select#template option[value="monthly-newsletter"], input#template').first().waitFor({ state: 'attached' }));
    await expectFitsAPhone(fixture, '/broadcasts/console-send', (page) => page.locator('.badge', { hasText: 'Sent' }).waitFor());
    await expectFitsAPhone(fixture, '/experiments/newsletter-march', (page) => page.getByRole('row', { name: /question-morning/ }).waitFor());
  });
});
