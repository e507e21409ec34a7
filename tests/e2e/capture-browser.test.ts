import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser';
import { startLocal, stopLocal, type Running } from '../support/local-app';
import { LOCAL_API_KEY } from '../../local/settings';

const ADMIN_TOKEN = 'capture-admin-token-0123456789';
/** Screenshots of each journey through the forms, kept as test artifacts (gitignored). */
const ARTIFACTS = resolve(import.meta.dirname, '../../.artifacts');
/** The demo forms' minimum fill time, plus a margin: a faster post is taken for a bot and silently dropped. */
const HUMAN_PAUSE_MS = 3_300;
let app: Running;
let browser: Browser;



beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  app = await startLocal({ dataDir: mkdtempSync(join(tmpdir(), 'nurture-capture-')), adminToken: ADMIN_TOKEN });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (app) await stopLocal(app);
});

const page = (javaScriptEnabled: boolean) => browser.newContext({ javaScriptEnabled }).then((context) => context.newPage());
const screenshot = (p: Page, name: string) => p.screenshot({ path: join(ARTIFACTS, `capture-${name}.png`), fullPage: true });

async function contact(email: string) {
  const response = await fetch(`${app.url}/contacts?email=${encodeURIComponent(email)}`, {
    headers: { authorization: `Bearer ${LOCAL_API_KEY}` },
  });
  if (response.status === 404) return undefined;
  return (await response.json()) as { contact: { attributes: Record<string, unknown>; consents?: Record<string, unknown> } };
}

/**
 * Passes the forms' minimum fill time as a person's pause would, on the local runtime's clock (`POST /dev/clock`)
 * rather than by waiting: the render token and the post are both judged on that clock.
 */
async function humanPause() {
  const { now } = (await (await fetch(`${app.url}/dev/clock`)).json()) as { now: string };
  const moved = await fetch(`${app.url}/dev/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ at: new Date(Date.parse(now) + HUMAN_PAUSE_MS).toISOString() }),
  });
  expect(moved.status).toBe(200);
}

/** Waits until the snippet has its render token (so the post counts as a person's once the pause is over). */
async function snippetReady(p: Page) {
  // Runs in the page, as a function: the page's CSP refuses to evaluate a string. The tests are compiled without
  // the DOM's types, hence the one shape it reads.
  type InPage = { document: { querySelector(selector: string): { value?: string } | null } };
  await p.waitForFunction(() => Boolean((globalThis as unknown as InPage).document.querySelector('input[name=_nurture_token]')?.value));
}

describe('the embed snippet in a real browser, JavaScript on', () => {
  it('shows errors next to the fields without leaving the page', { timeout: 60_000 }, async () => {
    const p = await page(true);
    await p.goto(`${app.url}/`);
    await snippetReady(p);

    await p.fill('#email', `inline-${Date.now()}@example.com`);
    await p.fill('#first_name', 'Dana');
    await p.fill('#budget', 'a lot');
    await p.fill('#phone', '12');
    await humanPause();
    await p.click('button[type=submit]');

    await p.waitForSelector('.nurture-error[data-field=budget]');
    expect(await p.textContent('.nurture-error[data-field=budget]')).toBe('must be a number');
    expect(await p.textContent('.nurture-error[data-field=phone]')).toBe('must be a phone number');
    expect(await p.getAttribute('#budget', 'aria-invalid')).toBe('true');
    expect(new URL(p.url()).pathname).toBe('/');
    await screenshot(p, 'inline-errors');
  });

  it('offers the typo fix as one click, then posts and lands on the thank-you page', { timeout: 60_000 }, async () => {
    const p = await page(true);
    const local = `typo-${Date.now()}`;
    // The page's own hidden UTM fields win over the URL's; the click id is filled in from the URL.
    await p.goto(`${app.url}/?utm_source=newsletter&gclid=abc123`);
    await snippetReady(p);

    await p.fill('#email', `${local}@gmial.com`);
    await p.fill('#first_name', 'Fox');
    await humanPause();
    await p.click('button[type=submit]');
    await p.waitForSelector('.nurture-suggestion');
    expect(await p.textContent('.nurture-suggestion')).toBe(`${local}@gmail.com`);
    await screenshot(p, 'typo-suggestion');
    await Promise.all([p.waitForURL(`${app.url}/thank-you`), p.click('.nurture-suggestion')]);

    const stored = await contact(`${local}@gmail.com`);
    expect(stored?.contact.attributes).toMatchObject({ first_name: 'Fox' });
    expect(stored?.contact).toMatchObject({ firstTouch: { utm: { utm_source: 'google' }, clickIds: { gclid: 'abc123' } } });
    expect(await contact(`${local}@gmial.com`)).toBeUndefined();
    await screenshot(p, 'thank-you');
  });

  it('shows the typo fix next to the other fields\' errors when several are wrong', { timeout: 60_000 }, async () => {
    const p = await page(true);
    await p.goto(`${app.url}/`);
    await snippetReady(p);

    await p.fill('#email', `both-${Date.now()}@gmial.com`);
    await p.fill('#first_name', 'Gus');
    await p.fill('#budget', 'a lot');
    await humanPause();
    await p.click('button[type=submit]');

    await p.waitForSelector('.nurture-error[data-field=budget]');
    expect(await p.textContent('.nurture-error[data-field=budget]')).toBe('must be a number');
    expect(await p.textContent('.nurture-error[data-field=email] .nurture-suggestion')).toMatch(/^both-\d+@gmail\.com$/);
  });

  it('posts a form embedded on another origin (CORS) and thanks the visitor in place', { timeout: 60_000 }, async () => {
    const p = await page(true);
    const email = `partner-${Date.now()}@example.com`;
    const partner = app.url.replace('127.0.0.1', 'localhost');
    await p.goto(`${partner}/partner`);
    await snippetReady(p);

    await p.fill('#email', email);
    await p.check('#newsletter_consent');
    await humanPause();
    await p.click('button[type=submit]');
    await p.waitForSelector('.nurture-thanks');

    expect(await p.textContent('.nurture-thanks')).toBe("You're on the list.");
    expect(new URL(p.url()).origin).toBe(partner);
    expect((await contact(email))?.contact.consents).toMatchObject({ newsletter: { textVersion: 'newsletter-2026-11' } });
    await screenshot(p, 'partner');
  });
});

// Contexts are left open, as in the other tests: the packaged Chromium runs single-process, and closing a context
// there can take the whole browser down.
describe('progressive profiling', () => {
  it('keeps nothing in the browser when the visitor did not consent', { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ javaScriptEnabled: true });
    const p = await context.newPage();
    await p.goto(`${app.url}/`);
    await snippetReady(p);
    await p.fill('#email', `noconsent-${Date.now()}@example.com`);
    await p.fill('#first_name', 'Noa');
    await humanPause();
    await Promise.all([p.waitForURL(`${app.url}/thank-you`), p.click('button[type=submit]')]);

    // (Runs before the consenting visitor's test: the single-process Chromium may share storage between contexts.)
    expect(await p.evaluate('localStorage.length')).toBe(0);
    expect(await context.cookies()).toEqual([]);
  });

  it('stops asking a returning visitor (who consented) for what their profile already has', { timeout: 60_000 }, async () => {
    const context = await browser.newContext({ javaScriptEnabled: true });
    const p = await context.newPage();
    await p.goto(`${app.url}/`);
    await snippetReady(p);
    await p.fill('#email', `returning-${Date.now()}@example.com`);
    await p.fill('#first_name', 'Rae');
    await p.fill('#company', 'Initech');
    await p.fill('#country', 'Germany');
    await p.check('#marketing_consent');
    await humanPause();
    await Promise.all([p.waitForURL(`${app.url}/thank-you`), p.click('button[type=submit]')]);

    await p.goto(`${app.url}/`);
    await snippetReady(p);

    expect(await p.isHidden('#company')).toBe(true);
    expect(await p.isHidden('#country')).toBe(true);
    expect(await p.isVisible('#phone')).toBe(true);
    expect(await p.isVisible('#email')).toBe(true);
    // The browser keeps a signed id, never the email.
    const stored = await p.evaluate('JSON.stringify(localStorage)');
    expect(stored).toContain('nurture_visitor');
    expect(stored).not.toContain('@example.com');
    await screenshot(p, 'progressive');
  });
});

describe('the same pages with JavaScript off', () => {
  it('posts the newsletter form as plain HTML and lands on the thank-you page (303)', { timeout: 60_000 }, async () => {
    const p = await page(false);
    const email = `plain-${Date.now()}@example.com`;
    await p.goto(`${app.url}/snippet`);

    await p.fill('#email', email);
    await p.check('#newsletter_consent');
    await Promise.all([p.waitForURL(`${app.url}/thank-you`), p.click('button[type=submit]')]);

    expect(await p.textContent('h1')).toBe('Thank you!');
    expect(await contact(email)).toBeDefined();
    await screenshot(p, 'no-javascript');
  });

  it('shows the typo fix on the error page as buttons that post the form again', { timeout: 60_000 }, async () => {
    const p = await page(false);
    const local = `plain-typo-${Date.now()}`;
    await p.goto(`${app.url}/snippet`);

    await p.fill('#email', `${local}@yaho.com`);
    await p.check('#newsletter_consent');
    await Promise.all([p.waitForURL(`${app.url}/forms/newsletter`), p.click('button[type=submit]')]);
    expect(await p.textContent('#suggestion')).toBe(`${local}@yahoo.com`);
    await Promise.all([p.waitForURL(`${app.url}/thank-you`), p.click('#use-suggestion')]);

    expect(await contact(`${local}@yahoo.com`)).toBeDefined();
  });
});
