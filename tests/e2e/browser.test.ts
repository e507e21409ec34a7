import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { startLocal, stopLocal, type Running } from '../support/local-app';
import { LOCAL_API_KEY } from '../../local/settings';

const ADMIN_TOKEN = 'browser-admin-token-0123456789';
let app: Running;
let browser: Browser;



beforeAll(async () => {
  app = await startLocal({ dataDir: mkdtempSync(join(tmpdir(), 'nurture-browser-')), adminToken: ADMIN_TOKEN });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (app) await stopLocal(app);
});

/** A visitor with JavaScript switched off: whatever works here works on any landing page. */
const visitor = () => browser.newContext({ javaScriptEnabled: false }).then((context) => context.newPage());

describe('the demo landing page in a real browser, JavaScript off', () => {
  it('submits the plain HTML form and lands on the thank-you page, creating the contact', { timeout: 60_000 }, async () => {
    const page = await visitor();
    const email = `browser-${Date.now()}@example.com`;

    await page.goto(`${app.url}/`);
    await page.fill('#email', email);
    await page.fill('#first_name', 'Fox');
    await page.fill('#company', 'FBI');
    await page.fill('#budget', '7,500');
    await Promise.all([page.waitForURL(`${app.url}/thank-you`), page.click('button[type=submit]')]);

    expect(await page.textContent('h1')).toBe('Thank you!');
    const response = await fetch(`${app.url}/contacts?email=${encodeURIComponent(email)}`, {
      headers: { authorization: `Bearer ${LOCAL_API_KEY}` },
    });
    const body = (await response.json()) as { contact: { attributes: Record<string, unknown> } };
    expect(body.contact.attributes).toMatchObject({ first_name: 'Fox', company: 'FBI', budget: 7500 });
  });

  it('shows a readable page listing what to fix, with a way back to the form', { timeout: 60_000 }, async () => {
    const page = await visitor();

    await page.goto(`${app.url}/`);
    await page.fill('#email', 'fox@localhost'); // the browser accepts it, the form does not
    await page.fill('#first_name', 'Fox');
    await page.fill('#budget', 'a lot');
    await Promise.all([page.waitForURL(`${app.url}/forms/demo-request`), page.click('button[type=submit]')]);

    expect(await page.textContent('h1')).toBe('We could not accept this form');
    const problems = await page.locator('li').allTextContents();
    expect(problems).toEqual(['email: must be a valid email address', 'budget: must be a number']);
    await page.click('text=Go back to the form');
    expect(page.url()).toBe(`${app.url}/`);
  });
});
