import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Runtime } from '../../local/runtime';

/** The console's session key in sessionStorage (console/src/auth.ts). */
const SESSION_KEY = 'nurture.console.session';

export interface ConsolePage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Every console error and uncaught page error seen: a view must leave none. */
  readonly errors: string[];
  /** Every API request the page made (method and path), in order. */
  readonly apiCalls: string[];
  close(): Promise<void>;
}

/**
 * A browser page signed in to the console of `runtime` as `role`, opened at `path` (below /console).
 *
 * INTERIM (until the sign-in branch lands): the session is the local development API key, which the API accepts as a
 * bearer credential, and `GET /me` is answered for the admin role. This is replaced by a real sign-in through the
 * local identity provider at integration.
 */
export async function openConsole(browser: Browser, runtime: Runtime, options: { path?: string; role?: 'viewer' | 'marketer' | 'admin'; viewport?: { width: number; height: number } } = {}): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 }, timezoneId: 'Europe/Paris', locale: 'en-GB' });
  const page = await context.newPage();
  const errors: string[] = [];
  const apiCalls: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === runtime.url && !url.pathname.startsWith('/console')) apiCalls.push(`${request.method()} ${url.pathname}`);
  });
  await context.addInitScript(
    ([key, token]) => {
      (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem(key, JSON.stringify({ accessToken: token, expiresAt: Date.now() + 3_600_000, username: 'admin' }));
    },
    [SESSION_KEY, runtime.apiKey] as const,
  );
  await page.route(`${runtime.url}/me`, (route) =>
    route.fulfill({ json: { actor: { kind: 'key', id: 'localdevelopment' }, role: 'admin', scopes: ['admin'] } }),
  );
  await page.goto(`${runtime.url}/console${options.path ?? '/'}`);
  // The packaged Chromium runs as one process, which closing a context ends: a console closes its page only.
  return { page, context, errors, apiCalls, close: () => page.close() };
}
