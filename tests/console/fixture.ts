import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { launchChromium } from '../support/browser';
import { openConsole, type ConsolePage } from '../support/console';
import { startTestRuntime } from '../support/runtime';

/** A file's console set-up: its runtime and its Chromium, both there once `beforeAll` has run. */
export interface ConsoleFixture {
  readonly app: Runtime;
  readonly browser: Browser;
  /** {@link openConsole} on this file's browser and runtime. */
  open(options?: Parameters<typeof openConsole>[2]): Promise<ConsolePage>;
}

/**
 * The one set-up of a file of console tests: a local runtime (on the run's shared identity provider) and the packaged
 * Chromium, started side by side before the file's tests, then `seed` run against the runtime; both stopped after them.
 * One per file: vitest runs a file's tests one after another in one process, so every view tested in a file shares
 * one runtime start and one browser start, which are most of a console file's time.
 */
export function useConsoleFixture(options: Parameters<typeof startTestRuntime>[0], seed?: (app: Runtime) => Promise<void>): ConsoleFixture {
  let app: Runtime | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    // Settled, not all: a browser that fails to start must not leave the runtime that did running past afterAll.
    const [runtime, chromium] = await Promise.allSettled([startTestRuntime(options), launchChromium()]);
    if (runtime.status === 'fulfilled') app = runtime.value;
    if (chromium.status === 'fulfilled') browser = chromium.value;
    if (runtime.status === 'rejected') throw runtime.reason;
    if (chromium.status === 'rejected') throw chromium.reason;
    await seed?.(runtime.value);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the console fixture's ${what} is not started: use it inside a test or hook`);
    return value;
  };
  return {
    get app() {
      return started(app, 'runtime');
    },
    get browser() {
      return started(browser, 'browser');
    },
    open: (openOptions) => openConsole(started(browser, 'browser'), started(app, 'runtime'), openOptions),
  };
}
