import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { launchChromium } from '../support/browser';
import { openConsole } from '../support/console';
import { startTestRuntime } from '../support/runtime';

let app: Runtime;
let browser: Browser;

beforeAll(async () => {
  [app, browser] = await Promise.all([startTestRuntime({ tableName: 'console-shell' }), launchChromium()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('signing in to the console', () => {
  it('signs a person in with their username and password and shows only what their role may use', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    try {
      await page.goto(`${app.url}/console/`);
      await page.getByLabel('Username').fill('viewer');
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      expect(await page.getByLabel('Username').isVisible()).toBe(true);

      await page.getByLabel('Password').fill(app.identity.password);
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
      fetch(`${app.url}/console/`),
      fetch(`${app.url}/console/contacts/01J0000000000000000000000`),
      fetch(`${app.url}/console/assets/missing.js`),
    ]);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(root.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await deep.text()).toBe(await root.text());
    expect(asset.status).toBe(404);
    const redirect = await fetch(`${app.url}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/console/');
  });

  it('moves between views from the navigation without reloading, and marks the current one', async () => {
    const console = await openConsole(browser, app);
    try {
      await console.page.getByRole('link', { name: 'Reports' }).click();
      await expect.poll(() => console.page.url()).toBe(`${app.url}/console/reports`);
      expect(await console.page.getByRole('link', { name: 'Reports' }).getAttribute('aria-current')).toBe('page');
      await console.page.goBack();
      await expect.poll(() => console.page.url()).toBe(`${app.url}/console/`);
      expect(console.errors).toEqual([]);
    } finally {
      await console.close();
    }
  });
});
