import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** Axe's serious and critical findings, shared with the other views' tests. */
export { expectNoSeriousAxeViolations } from './view-checks';

/** The document is no wider than the window: nothing scrolls sideways at phone width but the tables meant to. */
export async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const widths = (await page.evaluate('({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })')) as { scroll: number; inner: number };
  expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
}

export const PHONE = { width: 375, height: 800 };

/** A demo-request form post, as a browser on the site sends it; the contact id it answers. */
export async function postLead(url: string, fields: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${url}/forms/demo-request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ company: 'Analytical Engines', budget: 1_000, ...fields }),
  });
  const body = (await response.json()) as { contactId: string };
  // 201 for a new contact, 200 for one more submission of an address already known.
  expect([200, 201], JSON.stringify(body)).toContain(response.status);
  return body.contactId;
}
