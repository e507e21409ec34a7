import axe from 'axe-core';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Runtime } from '../../local/runtime';
import type { ConsolePage } from '../support/console';
import type { ConsoleFixture } from './fixture';

const axeSource = axe.source;

/** A phone's window: the width every view must fit without scrolling sideways. */
export const PHONE = { width: 375, height: 800 };

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

/**
 * The document is no wider than its viewport: nothing scrolls sideways but the tables meant to (they scroll inside
 * themselves). The client width leaves out a scrollbar, so this is at least as strict as the window's inner width.
 */
export async function expectNoHorizontalOverflow(page: Page, what = new URL(page.url()).pathname): Promise<void> {
  const widths = (await page.evaluate('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })')) as { scroll: number; client: number };
  expect(widths.scroll, `${what} is wider than its window`).toBeLessThanOrEqual(widths.client);
}

/** Opens `path` at phone width ({@link PHONE}), waits for `ready`, and fails if the document scrolls sideways or logged an error. */
export async function expectFitsAPhone(console: Pick<ConsoleFixture, 'open'>, path: string, ready: (page: Page) => Promise<unknown>): Promise<void> {
  const phone = await console.open({ path, viewport: PHONE });
  try {
    await ready(phone.page);
    await expectNoHorizontalOverflow(phone.page, path);
    expect(phone.errors).toEqual([]);
  } finally {
    await leave(phone);
  }
}

/**
 * A demo-request form post of exactly `body`, as a page on the runtime's own site sends it; answers the contact's id.
 * 201 for a new contact, 200 for one more submission of an address already known.
 */
export async function postLead(runtime: Runtime, body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${runtime.url}/forms/demo-request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: runtime.url },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { contactId: string };
  expect([200, 201], JSON.stringify(answer)).toContain(response.status);
  return answer.contactId;
}

/** A demo request with marketing consent; answers the contact's id. */
export function requestDemo(runtime: Runtime, fields: { email: string; first_name: string; budget: number }): Promise<string> {
  return postLead(runtime, { ...fields, marketing_consent: true });
}

/** Resolves once the runtime has processed everything written so far (`GET /dev/idle`). */
export async function settled(runtime: Runtime): Promise<void> {
  // `/dev/idle` drains the stream and what it set off before answering; 503 means more arrived meanwhile.
  for (let attempt = 0; attempt < 50; attempt++) if ((await fetch(`${runtime.url}/dev/idle`)).status === 200) return;
  throw new Error('The runtime did not settle');
}

/**
 * Closes a console's page but not its context: the packaged Chromium runs as one process (`--single-process`), which
 * exits when a browser context closes, taking the next tests' pages with it. The contexts go with the browser.
 */
export const leave = (console: ConsolePage): Promise<void> => console.page.close();
