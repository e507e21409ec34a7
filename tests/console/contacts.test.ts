import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { launchChromium } from '../support/browser';
import { openConsole, type ConsolePage } from '../support/console';
import { startTestRuntime } from '../support/runtime';
import { PHONE, expectNoHorizontalOverflow, expectNoSeriousAxeViolations, postLead } from './views-a';

let app: Runtime;
let browser: Browser;
let ada: string;
const adaEmail = `ada.${Date.now()}@example.com`;

beforeAll(async () => {
  [app, browser] = await Promise.all([startTestRuntime({ tableName: 'console-contacts' }), launchChromium()]);
  ada = await postLead(app.url, { email: adaEmail, first_name: 'Ada', last_name: 'Lovelace' });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const api = (path: string, init: RequestInit = {}) => fetch(`${app.url}${path}`, { ...init, headers: { authorization: `Bearer ${app.apiKey}`, ...init.headers } });

/** Runs `use` on a console page and closes it, failing on any console error the page logged. */
async function withConsole(options: Parameters<typeof openConsole>[2], use: (console: ConsolePage) => Promise<void>): Promise<void> {
  const console = await openConsole(browser, app, options);
  try {
    await use(console);
    expect(console.errors).toEqual([]);
  } finally {
    await console.close();
  }
}

describe('the Contacts view', () => {
  it('finds a just-posted contact by email and keeps the search in the URL', async () => {
    await withConsole({ path: '/contacts' }, async ({ page }) => {
      await page.getByLabel('Search by').selectOption('email');
      await page.getByLabel('Find').fill(adaEmail);
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
      expect(new URL(page.url()).searchParams.get('q')).toBe(adaEmail);
      await page.reload();
      await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
      expect(await page.getByLabel('Find').inputValue()).toBe(adaEmail);
    });
  });

  it('finds a contact by name once the reactor has indexed it', async () => {
    await withConsole({ path: '/contacts?by=name&q=lovel' }, async ({ page }) => {
      await expect
        .poll(async () => {
          await page.reload();
          await page.getByRole('heading', { name: /found/ }).waitFor();
          return page.getByRole('link', { name: 'Ada Lovelace' }).count();
        }, { timeout: 15_000 })
        .toBe(1);
    });
  });

  it('is accessible and fits a phone', async () => {
    await withConsole({ path: `/contacts?by=email&q=${encodeURIComponent(adaEmail)}`, viewport: PHONE }, async ({ page }) => {
      await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
      await expectNoSeriousAxeViolations(page);
      await expectNoHorizontalOverflow(page);
    });
  });
});

describe('the contact page', () => {
  it('shows the profile, the score with its explanation and the form submission in the timeline, dated in the viewer’s zone', async () => {
    await withConsole({ path: `/contacts/${ada}` }, async ({ page }) => {
      await page.getByRole('heading', { level: 1, name: 'Ada Lovelace' }).waitFor();
      await page.locator('#timeline li[data-type="form.submitted"]').waitFor();
      const submitted = page.locator('#timeline li[data-type="form.submitted"]');
      expect(await submitted.textContent()).toContain('Submitted a form');
      const datetime = await submitted.locator('time').getAttribute('datetime');
      expect(Date.parse(datetime!)).not.toBeNaN();
      expect(await submitted.locator('time').textContent()).toBe(
        new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Paris' }).format(new Date(datetime!)),
      );
      await page.getByRole('cell', { name: 'Submitted a form' }).first().waitFor();
      expect(await page.locator('#profile').textContent()).toContain(adaEmail);
    });
  });

  it('pages through a long timeline with Load more', async () => {
    const email = `babbage.${Date.now()}@example.com`;
    const babbage = await postLead(app.url, { email, first_name: 'Charles', last_name: 'Babbage' });
    // Each post of the same address is one more form submission on the same contact.
    for (let n = 0; n < 26; n++) await postLead(app.url, { email, first_name: 'Charles', last_name: 'Babbage', company: `Engines ${n}` });
    await withConsole({ path: `/contacts/${babbage}` }, async ({ page }) => {
      await page.getByRole('button', { name: 'Load more' }).click();
      await expect.poll(() => page.locator('#timeline li[data-type="form.submitted"]').count()).toBe(27);
    });
  });

  it('unsubscribes a topic after a confirmation', async () => {
    await withConsole({ path: `/contacts/${ada}` }, async ({ page }) => {
      await page.getByRole('button', { name: 'Unsubscribe from newsletter' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Unsubscribe' }).click();
      await page.getByText('Unsubscribed from newsletter.').waitFor();
      await expect.poll(() => page.locator('[data-topic-status="newsletter"]').textContent()).toBe('unsubscribed');
      const overview = (await (await api(`/contacts/${ada}/overview`)).json()) as { consent: { topic: string; status: string }[] };
      expect(overview.consent.find((row) => row.topic === 'newsletter')?.status).toBe('unsubscribed');
    });
  });

  it('exports the contact as a JSON file', async () => {
    await withConsole({ path: `/contacts/${ada}` }, async ({ page }) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export (JSON)' }).click()]);
      expect(download.suggestedFilename()).toBe(`contact-${ada}.json`);
      const exported = JSON.parse(await readFile((await download.path())!, 'utf8')) as { profile: { contactId: string; email: string } };
      expect(exported.profile).toMatchObject({ contactId: ada, email: adaEmail });
    });
  });

  it('enrols the contact in a journey that accepts enrolments, offering only those', async () => {
    await withConsole({ path: `/contacts/${ada}` }, async ({ page }) => {
      const select = page.getByLabel('Enrol in a journey');
      await select.waitFor();
      const offered = await Promise.all((await select.locator('option').all()).map((option) => option.getAttribute('value')));
      const journeys = ((await (await api('/journeys')).json()) as { journeys: { id: string; triggers: string[] }[] }).journeys;
      expect(offered.sort()).toEqual(journeys.filter((journey) => journey.triggers.includes('webhook')).map((journey) => journey.id).sort());
      await select.selectOption('recycle-nurture');
      await page.getByRole('button', { name: 'Enrol', exact: true }).click();
      await page.getByText(/^Recycle nurture: Enrolled/).waitFor();
      await expect
        .poll(async () => {
          await page.reload();
          await page.locator('#journeys').getByRole('link', { name: 'recycle-nurture' }).or(page.locator('#journeys .empty')).first().waitFor();
          return page.locator('#journeys').getByRole('link', { name: 'recycle-nurture' }).count();
        }, { timeout: 15_000 })
        .toBeGreaterThan(0);
    });
  });

  it('is accessible and fits a phone', async () => {
    await withConsole({ path: `/contacts/${ada}`, viewport: PHONE }, async ({ page }) => {
      await page.locator('#timeline li').first().waitFor();
      await page.locator('#score table').waitFor();
      await expectNoSeriousAxeViolations(page);
      await expectNoHorizontalOverflow(page);
    });
  });

  it('erases the person after a typed confirmation, back on Contacts with what the erase did', async () => {
    const email = `erase.${Date.now()}@example.com`;
    const gone = await postLead(app.url, { email, first_name: 'Erin', last_name: 'Erased' });
    await withConsole({ path: `/contacts/${gone}` }, async ({ page }) => {
      await page.getByRole('button', { name: 'Erase…' }).click();
      const dialog = page.getByRole('dialog');
      const confirm = dialog.getByRole('button', { name: 'Erase for good' });
      expect(await confirm.isDisabled()).toBe(true);
      await dialog.getByLabel('Type erase to confirm').fill('erase');
      await confirm.click();
      await expect.poll(() => new URL(page.url()).pathname).toBe('/console/contacts');
      const notice = await page.getByRole('status').filter({ hasText: 'was erased' }).textContent();
      expect(notice).toMatch(/^Erin Erased was erased.*items deleted/);
    });
    expect((await api(`/contacts/${gone}`)).status).toBe(404);
  });
});
