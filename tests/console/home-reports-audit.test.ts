import { describe, expect, it } from 'vitest';
import { signIn } from '../support/sign-in';
import { useConsoleFixture } from './fixture';
import { expectFitsAPhone, expectNoSeriousAxeViolations, leave, requestDemo, settled } from './view-checks';

const fixture = useConsoleFixture({ tableName: 'console-home-reports-audit' }, async (app) => {
  await requestDemo(app, { email: 'grace@example.com', first_name: 'Grace', budget: 2_000 });
  await requestDemo(app, { email: 'alan@example.com', first_name: 'Alan', budget: 12_000 });
  await settled(app);
});

describe('the Home, Reports and Audit views', () => {
  it("shows Home's headline numbers for the posted leads, with the SES thresholds beside the bounce rate", async () => {
    const console = await fixture.open({ path: '/' });
    try {
      const newLeads = console.page.locator('#metric-newLeads');
      await newLeads.waitFor();
      await expect.poll(() => newLeads.textContent()).toMatch(/New leads\s*2\b/);
      expect(await console.page.locator('#metric-bounceRate').textContent()).toContain('review at 5%');
      expect(await console.page.locator('#metric-awsCost').textContent()).toContain('estimate');
      await expectNoSeriousAxeViolations(console.page);
      expect(console.errors).toEqual([]);
    } finally {
      await leave(console);
    }
  });

  it('draws the reports with their volumes in tables and downloads a report as CSV', async () => {
    const console = await fixture.open({ path: '/reports' });
    try {
      await console.page.locator('#report-funnel table').waitFor();
      await expect.poll(() => console.page.locator('#report-funnel table').textContent()).toMatch(/subscriber/i);
      expect(await console.page.locator('canvas').count()).toBeGreaterThanOrEqual(4);
      const [download] = await Promise.all([
        console.page.waitForEvent('download'),
        console.page.getByRole('button', { name: 'Download CSV of the funnel report' }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^funnel-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
      await expectNoSeriousAxeViolations(console.page);
      expect(console.errors).toEqual([]);
    } finally {
      await leave(console);
    }
    await expectFitsAPhone(fixture, '/reports', (page) => page.locator('#report-funnel table').waitFor());
  });

  it("lists a person's action in the audit trail, naming who did it", async () => {
    const token = await signIn(fixture.app, 'marketer');
    const contactId = await requestDemo(fixture.app, { email: 'ada@example.com', first_name: 'Ada', budget: 1_000 });
    const unsubscribed = await fetch(`${fixture.app.url}/contacts/${contactId}/unsubscribe`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'all' }),
    });
    expect(unsubscribed.status).toBe(200);

    const console = await fixture.open({ path: '/audit' });
    try {
      const table = console.page.locator('table');
      await table.waitFor();
      const text = await table.textContent();
      expect(text).toContain('marketer');
      expect(text).toContain(contactId);
      await expectNoSeriousAxeViolations(console.page);
      expect(console.errors).toEqual([]);
    } finally {
      await leave(console);
    }
  });
});
