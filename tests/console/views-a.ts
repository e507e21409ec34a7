import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** Axe's serious and critical findings on the page as it stands, printed in the failure when there are any. */
export async function expectNoSeriousAxeViolations(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join('; ')}`);
  expect(serious).toEqual([]);
}

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
  expect(response.status, JSON.stringify(body)).toBe(201);
  return body.contactId;
}
