import { existsSync } from 'node:fs';
import sparticuz from '@sparticuz/chromium';
import { chromium, type Browser } from 'playwright-core';

/** Keeps Chromium off the network: no update checks, no first-run fetches. */
const QUIET = ['--disable-background-networking', '--disable-component-update', '--no-first-run'];

/**
 * The browser tests' Chromium: the one that ships inside the @sparticuz/chromium npm package (unpacked into the
 * temp directory on first use; nothing is downloaded), unless NURTURE_CHROMIUM or /usr/bin/chromium names a local one.
 */
export async function launchChromium(): Promise<Browser> {
  const local = process.env.NURTURE_CHROMIUM || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
  if (local) {
    return chromium.launch({ executablePath: local, args: ['--headless', '--no-sandbox', '--disable-gpu', ...QUIET] });
  }
  return chromium.launch({ executablePath: await sparticuz.executablePath(), args: [...sparticuz.args, ...QUIET], headless: true });
}
