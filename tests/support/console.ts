import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Runtime } from '../../local/runtime';
import { signInTokens } from './sign-in';

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
 * A browser page signed in to the console of `runtime` as `role` (default admin), opened at `path` (below /console).
 * The person signs in against the runtime's local identity provider exactly as the console's sign-in page does
 * (tests/console/shell.test.ts drives that page itself); the session it answers is handed to the page as the console
 * stores it, so each test does not type a password.
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
  const role = options.role ?? 'admin';
  const tokens = await signInTokens(runtime, role);
  await context.addInitScript(
    ([key, token, refresh, username]) => {
      // Only the app's own window: the email previews' sandboxed frames have no storage.
      if ((globalThis as unknown as { top: unknown }).top !== globalThis) return;
      (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem(key, JSON.stringify({ accessToken: token, refreshToken: refresh, expiresAt: Date.now() + 3_000_000, username }));
    },
    [SESSION_KEY, tokens.AccessToken, tokens.RefreshToken, role] as const,
  );
  await page.goto(`${runtime.url}/console${options.path ?? '/'}`);
  // The packaged Chromium runs as one process, which closing a context ends: a console closes its page only.
  return { page, context, errors, apiCalls, close: () => page.close() };
}
