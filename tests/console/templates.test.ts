import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { openConsole } from '../support/console';
import { startTestRuntime } from '../support/runtime';
import { expectFitsAPhone, launchConsoleBrowser, leave, expectNoSeriousAxeViolations } from './view-checks';

let app: Runtime;
let browser: Browser;

beforeAll(async () => {
  [app, browser] = await Promise.all([startTestRuntime({ tableName: 'console-templates' }), launchConsoleBrowser()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('the templates views', () => {
  it('lists the templates with the journey steps that send them', async () => {
    const console = await openConsole(browser, app, { path: '/templates' });
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
    const console = await openConsole(browser, app, { path: '/templates/nurture-1' });
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
    await expectFitsAPhone(browser, app, '/templates', (page) => page.getByRole('link', { name: 'nurture-1' }).waitFor());
    await expectFitsAPhone(browser, app, '/templates/nurture-1', (page) => page.locator('iframe').first().waitFor());
  });
});
