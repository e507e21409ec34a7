import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '../../scripts/seed';
import { launchChromium } from '../support/browser';
import type { Runtime } from '../../local/runtime';
import { startTestRuntime } from '../support/runtime';
import { LOCAL_API_KEY } from '../../local/settings';

const ADMIN_TOKEN = 'dashboard-admin-token-0123456789';
/** The dashboard screenshot, kept as a test artifact (gitignored). */
const ARTIFACTS = resolve(import.meta.dirname, '../../.artifacts');
const CONTACTS = 40;
/** Days of history the seed posts, on the runtime's virtual clock, ending today. */
const DAYS = 14;
let app: Runtime;
let browser: Browser;



const day = (daysAgo: number, now: number) => new Date(now - daysAgo * 86_400_000).toISOString().slice(0, 10);
/** The seeded days, read as the seed starts (it counts its days back from the day it starts on, even past midnight). */
let range: string;
/** What the seed did, as it reports it (opens and clicks of the emails it found in the local inbox, …). */
let seeded: Awaited<ReturnType<typeof seed>>;

async function report(name: string): Promise<{ columns: string[]; rows: unknown[][] }> {
  const response = await fetch(`${app.url}/reports/${name}?${range}&granularity=day`, { headers: { authorization: `Bearer ${LOCAL_API_KEY}` } });
  return (await response.json()) as { columns: string[]; rows: unknown[][] };
}
const newLeads = (leads: { columns: string[]; rows: unknown[][] }) => leads.rows.reduce((sum, row) => sum + Number(row[leads.columns.indexOf('new')] ?? 0), 0);

beforeAll(async () => {
  // The whole runtime in this process: the dashboard is under test here, not `npm start` (tests/e2e/ boot that).
  // An hour a second: journeys still send their first emails, without racing through weeks of steps meanwhile.
  app = await startTestRuntime({ tableName: 'dashboard-browser', adminToken: ADMIN_TOKEN, timeScale: 3_600 });
  const seededAt = Date.now();
  range = `from=${day(DAYS - 1, seededAt)}&to=${day(0, seededAt)}`;
  seeded = await seed({ url: app.url, sesUrl: app.sesUrl, contacts: CONTACTS, days: DAYS });
  // The seed waits for the reactor after each day; the last reactions may still be on their way.
  for (let attempt = 0; attempt < 120; attempt++) {
    if (newLeads(await report('leads')) >= CONTACTS) break;
    await new Promise((done) => setTimeout(done, 500));
  }
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('the reports dashboard in a real browser', () => {
  it('shows two seeded weeks of funnel, daily leads, email performance and score histogram as charts', { timeout: 90_000 }, async () => {
    expect(newLeads(await report('leads'))).toBe(CONTACTS);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${app.url}/dashboard?${range}`);
    await page.selectOption('#granularity', 'day');
    await page.fill('#token', LOCAL_API_KEY);
    await page.click('#load');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });

    // Chart.js's own registry: each canvas has a chart with its data (evaluated in the page, hence a string).
    const charts = (await page.evaluate(`['funnel', 'leads', 'email', 'scores'].map((id) => {
      const chart = Chart.getChart(document.getElementById(id));
      return chart ? { id, type: chart.config.type, labels: chart.data.labels, data: chart.data.datasets.map((set) => set.data) } : { id };
    })`)) as { id: string; type?: string; labels?: string[]; data?: unknown[][] }[];
    expect(charts.map((chart) => chart.id)).toEqual(['funnel', 'leads', 'email', 'scores']);
    for (const chart of charts) expect(chart).toHaveProperty('type');
    const total = (values: number[]) => values.reduce((sum, n) => sum + (Number(n) || 0), 0);
    const funnel = charts[0] as { labels: string[]; data: number[][] };
    // One bar group per stage over the whole range, where every seeded contact entered the funnel.
    expect(funnel.labels.filter((label) => label === 'subscriber')).toHaveLength(1);
    expect(total(funnel.data[0]!)).toBeGreaterThanOrEqual(CONTACTS);
    // New leads arrived on many days of the range, not all at once.
    const leadsChart = charts[1] as { data: number[][] };
    expect(total(leadsChart.data[0]!)).toBe(CONTACTS);
    expect(leadsChart.data[0]!.filter((n) => n > 0).length).toBeGreaterThan(1);
    // The journeys' emails are charted per template, and the opens the seed made (it reads emails the next day)
    // are counted. Not the chart's open rate: by day it is a day's unique opens over that day's deliveries, and
    // opens come the day after; on a loaded machine no day may have both for one template (the rate is then 0).
    const email = charts[2] as { labels: string[]; data: number[][] };
    expect(email.labels.length).toBeGreaterThan(0);
    expect(email.data[0]).toHaveLength(email.labels.length);
    const emailReport = await report('email');
    const sum = (column: string) => emailReport.rows.reduce((n, row) => n + Number(row[emailReport.columns.indexOf(column)] ?? 0), 0);
    expect(sum('sent')).toBeGreaterThan(0);
    expect(seeded.opened).toBeGreaterThan(0);
    expect(sum('opens') + sum('machineOpens')).toBeGreaterThan(0);
    const scores = charts[3] as { data: number[][] };
    expect(total(scores.data.flat())).toBeGreaterThan(0);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'reports-dashboard.png'), fullPage: true });
    expect(await page.textContent('#status')).toBe('');
  });
});
