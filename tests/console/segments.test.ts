import { describe, expect, it } from 'vitest';
import { useConsoleFixture } from './fixture';
import { expectFitsAPhone, leave, expectNoSeriousAxeViolations, requestDemo, settled } from './view-checks';

let bigBudget: string;

const fixture = useConsoleFixture({ tableName: 'console-segments' }, async (app) => {
  bigBudget = await requestDemo(app, { email: 'grace@example.com', first_name: 'Grace', budget: 9000 });
  await requestDemo(app, { email: 'alan@example.com', first_name: 'Alan', budget: 2000 });
  await settled(app);
});

const EDITED = `id: high-budget-prospects
name: Prospects with a budget of $1,000 or more
description: Edited in the console to see who a lower threshold would add.
match:
  all:
    - where: budget >= 1000
    - where: stage < sql
`;

describe('the segments views', () => {
  it('lists every segment with its size, and the size counts the contacts in it', async () => {
    const console = await fixture.open({ path: '/segments' });
    try {
      const row = console.page.getByRole('row', { name: /high-budget-prospects/ });
      await expect.poll(() => row.innerText()).toMatch(/high-budget-prospects\s+1\b/);
      await expectNoSeriousAxeViolations(console.page);
      expect(console.errors).toEqual([]);
    } finally {
      await leave(console);
    }
  });

  it('shows a segment with its members, each linking to their contact page', async () => {
    const console = await fixture.open({ path: '/segments/high-budget-prospects' });
    try {
      const member = console.page.getByRole('link', { name: 'grace@example.com' });
      await member.waitFor();
      expect(await member.getAttribute('href')).toBe(`/console/contacts/${bigBudget}`);
      await expect.poll(() => console.page.getByRole('link', { name: 'alan@example.com' }).count()).toBe(0);
      await expectNoSeriousAxeViolations(console.page);
      expect(console.errors).toEqual([]);
    } finally {
      await leave(console);
    }
  });

  it('previews an edited condition: the size it would have against the current one, a sample and the file to commit', async () => {
    const console = await fixture.open({ path: '/segments/high-budget-prospects' });
    try {
      const file = console.page.getByLabel(/Segment file \(YAML\)/);
      await file.waitFor();
      await file.fill(EDITED);
      await console.page.getByRole('button', { name: 'Preview', exact: true }).click();

      const result = console.page.locator('.preview-result');
      await result.waitFor();
      expect(await result.getByRole('definition').first().innerText()).toMatch(/^2 contacts/);
      expect(await result.getByRole('definition').nth(1).innerText()).toBe('1');
      await result.getByRole('link', { name: 'alan@example.com' }).waitFor();
      expect(await result.innerText()).toContain('content/segments/high-budget-prospects.yaml');
      expect(await result.locator('pre').innerText()).toContain('budget >= 1000');
      await result.getByRole('button', { name: 'Copy' }).waitFor();
      expect(await console.page.getByText(/stay the source of truth/).count()).toBe(1);
      await expectNoSeriousAxeViolations(console.page);
      expect(console.errors).toEqual([]);
    } finally {
      await leave(console);
    }
  });

  it('fits a phone: the list and a segment page do not scroll sideways at 375 px', async () => {
    await expectFitsAPhone(fixture, '/segments', (page) => page.getByRole('link', { name: /budget of \$5,000/ }).waitFor());
    await expectFitsAPhone(fixture, '/segments/high-budget-prospects', (page) => page.getByRole('link', { name: 'grace@example.com' }).waitFor());
  });
});
