import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { ConsolePage } from '../support/console';
import { useConsoleFixture } from './fixture';
import { PHONE, expectFitsAPhone, expectNoHorizontalOverflow, expectNoSeriousAxeViolations, leave, postLead } from './view-checks';

/*
 * The views that need no particular data around them, on one runtime and one browser: signing in and the shell, the
 * templates, and the contacts (whose tests post contacts of their own, under addresses no other test uses).
 */

const adaEmail = `ada.${Date.now()}@example.com`;
let ada: string;
const fixture = useConsoleFixture({ tableName: 'console-shell-templates-contacts' }, async () => {
  ada = await lead({ email: adaEmail, first_name: 'Ada', last_name: 'Lovelace' });
});

/** A demo request from a company, as the contact tests post them; the contact's id. */
const lead = (fields: Record<string, unknown>) => postLead(fixture.app, { company: 'Analytical Engines', budget: 1_000, ...fields });

const api = (path: string, init: RequestInit = {}) => fetch(`${fixture.app.url}${path}`, { ...init, headers: { authorization: `Bearer ${fixture.app.apiKey}`, ...init.headers } });

/** Runs `use` on a console page and closes it, failing on any console error the page logged. */
async function withConsole(options: Parameters<typeof fixture.open>[0], use: (console: ConsolePage) => Promise<void>): Promise<void> {
  const console = await fixture.open(options);
  try {
    await use(console);
    expect(console.errors).toEqual([]);
  } finally {
    await leave(console);
  }
}

describe('signing in to the console', () => {
  it('signs a person in with their username and password and shows only what their role may use', async () => {
    const context = await fixture.browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    try {
      await page.goto(`${fixture.app.url}/console/`);
      await page.getByLabel('Username').fill('viewer');
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      expect(await page.getByLabel('Username').isVisible()).toBe(true);

      await page.getByLabel('Password').fill(fixture.app.identity.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
      expect(await page.locator('.who').textContent()).toContain('viewer');
      expect(await page.getByRole('link', { name: 'Reports' }).count()).toBe(1);
      // The audit trail is for admins.
      expect(await page.getByRole('link', { name: 'Audit' }).count()).toBe(0);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Username').waitFor();
      // Failed fetches of the wrong password are the browser's own console lines for a 400 answer.
      expect(errors.filter((line) => !line.includes('400'))).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('the console shell', () => {
  it('serves the app at /console with its security headers, and every app path answers the same page', async () => {
    const [root, deep, asset] = await Promise.all([
      fetch(`${fixture.app.url}/console/`),
      fetch(`${fixture.app.url}/console/contacts/01J0000000000000000000000`),
      fetch(`${fixture.app.url}/console/assets/missing.js`),
    ]);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(root.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await deep.text()).toBe(await root.text());
    expect(asset.status).toBe(404);
    const redirect = await fetch(`${fixture.app.url}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/console/');
  });

  it('moves between views from the navigation without reloading, and marks the current one', async () => {
    const console = await fixture.open();
    try {
      await console.page.getByRole('link', { name: 'Reports' }).click();
      await expect.poll(() => console.page.url()).toBe(`${fixture.app.url}/console/reports`);
      expect(await console.page.getByRole('link', { name: 'Reports' }).getAttribute('aria-current')).toBe('page');
      await console.page.goBack();
      await expect.poll(() => console.page.url()).toBe(`${fixture.app.url}/console/`);
      expect(console.errors).toEqual([]);
    } finally {
      await console.close();
    }
  });
});

describe('the templates views', () => {
  it('lists the templates with the journey steps that send them', async () => {
    const console = await fixture.open({ path: '/templates' });
    try {
      const row = console.page.getByRole('row', { name: /^nurture-1/ });
      await row.waitFor();
      expect(await row.getByRole('link', { name: 'budget-router' }).getAttribute('href')).toBe('/console/journeys/budget-router');
      await expectNoSeriousAxeViolations(console.page);
      expect(console.errors).toEqual([]);
    } finally {
      await leave(console);
    }
  });

  it('previews a template at desktop and phone width in sandboxed frames, with its sample data and its text part', async () => {
    const console = await fixture.open({ path: '/templates/nurture-1' });
    try {
      const frames = console.page.locator('iframe[sandbox=""]');
      await frames.first().waitFor();
      const widths = await frames.evaluateAll((elements) => elements.map((element) => [element.getAttribute('data-width'), element.getBoundingClientRect().width]));
      expect(widths).toEqual([
        ['desktop', 640],
        ['phone', 375],
      ]);
      expect(await frames.first().getAttribute('title')).toMatch(/at desktop width/);
      const rendered = console.page.frameLocator('iframe[data-width="phone"]');
      expect(await rendered.locator('body').innerText()).not.toBe('');
      expect(await console.page.locator('pre.email-text').innerText()).not.toBe('');
      expect(await console.page.getByRole('region', { name: 'Sample data' }).locator('pre').innerText()).toContain('{');

      await console.page.getByRole('button', { name: /Phone/ }).click();
      expect(await frames.count()).toBe(1);
      expect(await frames.getAttribute('data-width')).toBe('phone');
      await expectNoSeriousAxeViolations(console.page);
      expect(console.errors).toEqual([]);
    } finally {
      await leave(console);
    }
  });

  it('fits a phone: the list and a template page do not scroll sideways at 375 px', async () => {
    await expectFitsAPhone(fixture, '/templates', (page) => page.getByRole('link', { name: 'nurture-1' }).waitFor());
    await expectFitsAPhone(fixture, '/templates/nurture-1', (page) => page.locator('iframe').first().waitFor());
  });
});

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
    const babbage = await lead({ email, first_name: 'Charles', last_name: 'Babbage' });
    // Each post of the same address is one more form submission on the same contact.
    for (let n = 0; n < 26; n++) await lead({ email, first_name: 'Charles', last_name: 'Babbage', company: `Engines ${n}` });
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
    const gone = await lead({ email, first_name: 'Erin', last_name: 'Erased' });
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
