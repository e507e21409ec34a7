import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually, zoneWhereItIs } from '../journeys/support';
import { useConsoleFixture } from './fixture';
import { expectFitsAPhone, leave, expectNoSeriousAxeViolations, requestDemo, settled } from './view-checks';

const fixture = useConsoleFixture({ tableName: 'console-journeys', timeScale: 1 }, async (app) => {
  // Afternoon where Alan is, whatever the hour of the run: his first email goes out now, not at the send window's opening.
  const identified = await fetch(`${app.url}/v1/identify`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('local-write-key:').toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'alan@example.com', traits: { email: 'alan@example.com', time_zone: zoneWhereItIs(14) } }),
  });
  if (identified.status !== 200) throw new Error(`identify answered ${identified.status}`);
  await requestDemo(app, { email: 'alan@example.com', first_name: 'Alan', budget: 2000 });
  await settled(app);
  // The stream settled is not the journey's first email sent and counted: the views below show Alan waiting for its click.
  const waitingAtFirstClick = async () => {
    const response = await fetch(`${app.url}/journeys/budget-router`, { headers: { authorization: `Bearer ${app.apiKey}` } });
    const journey = (await response.json()) as { steps: { id: string; active?: number }[] };
    return journey.steps.find((step) => step.id === 'wait-click-1')?.active ?? 0;
  };
  await eventually(waitingAtFirstClick, (waiting) => waiting === 1, 30_000);
});

async function simulate(page: Page, budget: number): Promise<string[]> {
  await page.getByLabel('Attribute 1 value').fill(String(budget));
  await page.getByRole('button', { name: 'Simulate', exact: true }).click();
  const path = page.locator('ol.simulation-path');
  await expect.poll(() => path.innerText().catch(() => ''), { timeout: 15_000 }).toContain(budget >= 5000 ? 'hand-off-to-sales' : 'nurture-1');
  return path.locator('li').allInnerTexts();
}

/** The script files the page has loaded so far. */
const loadedScripts = (page: Page) => page.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name).filter((name) => name.endsWith('.js')));

describe('the journeys views', () => {
  it('lists the journeys with the contacts in each now', async () => {
    const console = await fixture.open({ path: '/journeys' });
    try {
      const row = console.page.getByRole('row', { name: /budget-router/ });
      await expect.poll(() => row.innerText()).toMatch(/\t1$/);
      expect((await loadedScripts(console.page)).filter((name) => /mermaid/.test(name))).toEqual([]);
      await expectNoSeriousAxeViolations(console.page);
      expect(console.errors).toEqual([]);
    } finally {
      await leave(console);
    }
  });

  it("draws the journey's diagram as SVG with the contacts in each step, and tabulates each email step's and each version's numbers", async () => {
    const console = await fixture.open({ path: '/journeys/budget-router' });
    try {
      const diagram = console.page.locator('.diagram svg');
      await diagram.waitFor({ timeout: 30_000 });
      expect(await diagram.getAttribute('aria-label')).toBe('Flowchart of the Budget router journey');
      expect(await diagram.innerHTML()).toMatch(/wait-click-1: wait for email\.clicked.*?1 here now/s);
      const waiting = console.page.getByRole('row', { name: /^wait-click-1/ });
      expect((await waiting.locator('td').allInnerTexts())[2]).toBe('1');
      const firstEmail = await console.page.getByRole('row', { name: /^nurture-1/ }).locator('td').allInnerTexts();
      expect(firstEmail.slice(1)).toEqual(['Email nurture-1', '0', '1', '0', '0']);
      // Alan entered on the live version and is on it now.
      expect((await console.page.getByRole('row', { name: /\(live\)/ }).locator('td').allInnerTexts()).slice(1, 3)).toEqual(['1', '1']);
      // Mermaid is its own chunk, loaded by this view (and not by the list, above).
      expect((await loadedScripts(console.page)).some((name) => /mermaid\.core-/.test(name))).toBe(true);
      await expectNoSeriousAxeViolations(console.page);
      expect(console.errors).toEqual([]);
    } finally {
      await leave(console);
    }
  });

  it('simulates a contact with a budget under $5,000 through the nurture emails, and one above through the hand-off', async () => {
    const console = await fixture.open({ path: '/journeys/budget-router' });
    try {
      await console.page.locator('.diagram svg').waitFor({ timeout: 30_000 });
      const small = await simulate(console.page, 2000);
      expect(small.some((line) => line.includes('nurture-1') && line.includes('email'))).toBe(true);
      expect(small.join('\n')).not.toContain('hand-off-to-sales');

      const big = await simulate(console.page, 9000);
      expect(big[0]).toContain('route-by-budget');
      expect(big.join('\n')).toContain('rep-will-call');
      expect(big.join('\n')).not.toContain('nurture-1');
      // The path is highlighted in the diagram.
      await expect.poll(() => console.page.locator('.diagram svg .onpath').count()).toBeGreaterThan(1);
      await expectNoSeriousAxeViolations(console.page);
      expect(console.errors).toEqual([]);
    } finally {
      await leave(console);
    }
  });

  it('fits a phone: the list and a journey page do not scroll sideways at 375 px', async () => {
    await expectFitsAPhone(fixture, '/journeys', (page) => page.getByRole('link', { name: 'Budget router' }).waitFor());
    await expectFitsAPhone(fixture, '/journeys/budget-router', (page) => page.locator('.diagram svg').waitFor({ timeout: 30_000 }));
  });
});
