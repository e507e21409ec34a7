import axe from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { launchChromium } from '../support/browser';
import { openConsole, type ConsolePage } from '../support/console';

const axeSource = axe.source;

/**
 * Axe (axe-core, the engine @axe-core/playwright drives) run in the page's own document. Not through AxeBuilder: it
 * injects itself into every frame first, and hangs on the email previews' sandboxed frames, which run no script.
 */
async function axeViolations(page: Page): Promise<{ id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[]> {
  await page.evaluate(axeSource);
  return (await page.evaluate('axe.run(document, { iframes: false }).then((result) => result.violations)')) as never;
}

/** Fails naming every serious or critical axe violation on the page as it is now. */
export async function expectNoSeriousAxeViolations(page: Page): Promise<void> {
  const violations = await axeViolations(page);
  const serious = violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  expect(serious).toEqual([]);
}

/** Opens `path` at phone width (375 x 800), waits for `ready`, and fails if the document scrolls sideways. */
export async function expectFitsAPhone(browser: Browser, runtime: Runtime, path: string, ready: (page: Page) => Promise<unknown>): Promise<void> {
  const phone = await openConsole(browser, runtime, { path, viewport: { width: 375, height: 800 } });
  try {
    await ready(phone.page);
    const widths = (await phone.page.evaluate('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })')) as { scroll: number; client: number };
    expect(widths.scroll, `${path} is wider than a phone`).toBeLessThanOrEqual(widths.client);
    expect(phone.errors).toEqual([]);
  } finally {
    await leave(phone);
  }
}

/** A demo request posted as the site's form posts it; answers the new contact's id. */
export async function requestDemo(runtime: Runtime, fields: { email: string; first_name: string; budget: number }): Promise<string> {
  const response = await fetch(`${runtime.url}/forms/demo-request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
    body: JSON.stringify({ ...fields, marketing_consent: true }),
  });
  expect(response.ok).toBe(true);
  return ((await response.json()) as { contactId: string }).contactId;
}

/** Resolves once the runtime has processed everything written so far (`GET /dev/idle`). */
export async function settled(runtime: Runtime): Promise<void> {
  // `/dev/idle` drains the stream and what it set off before answering; 503 means more arrived meanwhile.
  for (let attempt = 0; attempt < 50; attempt++) if ((await fetch(`${runtime.url}/dev/idle`)).status === 200) return;
  throw new Error('The runtime did not settle');
}

/**
 * Chromium for a file of console tests: the packaged one, unchanged (see {@link leave}).
 */
export const launchConsoleBrowser = (): Promise<Browser> => launchChromium();

/**
 * Closes a console's page but not its context: the packaged Chromium runs as one process (`--single-process`), which
 * exits when a browser context closes, taking the next tests' pages with it. The contexts go with the browser.
 */
export const leave = (console: ConsolePage): Promise<void> => console.page.close();
