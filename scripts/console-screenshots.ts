import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startRuntime } from '../local/runtime';
import { buildConsole } from '../local/console';
import { launchChromium } from '../tests/support/browser';
import { openConsole } from '../tests/support/console';
import { seed } from './seed';

/**
 * `npm run console:screenshots`: the README's picture of every console view, taken in headless Chromium from a
 * runtime of its own (in memory, free ports) seeded with two weeks of synthetic history. Writes docs/console/*.png.
 */
const root = join(import.meta.dirname, '..');
const out = join(root, 'docs/console');
mkdirSync(out, { recursive: true });
await buildConsole(root);
const runtime = await startRuntime({ port: 0, dynamoDbPort: 0, sesPort: 0, s3Port: 0, dataDir: null, tableName: 'console-screenshots', timeScale: 3_600 });
const browser = await launchChromium();
try {
  await seed({ url: runtime.url, sesUrl: runtime.sesUrl, contacts: 30, days: 14 });
  const auth = { authorization: `Bearer ${runtime.apiKey}` };
  const found = (await (await fetch(`${runtime.url}/contacts?stage=lead`, { headers: auth })).json()) as { contacts?: { contactId: string }[]; items?: { contactId: string }[] };
  const contactId = (found.contacts ?? found.items ?? [])[0]?.contactId;
  const templates = (await (await fetch(`${runtime.url}/templates`, { headers: auth })).json().catch(() => [])) as { templateId: string }[] | { templates?: { templateId: string }[] };
  const templateId = (Array.isArray(templates) ? templates : (templates.templates ?? []))[0]?.templateId ?? 'nurture-1';
  const views: [string, string][] = [
    ['home', '/'],
    ['contacts', '/contacts?q=lead&by=stage'],
    ['contact', `/contacts/${contactId ?? ''}`],
    ['segments', '/segments'],
    ['segment', '/segments/engaged-last-30-days'],
    ['journeys', '/journeys'],
    ['journey', '/journeys/budget-router'],
    ['broadcasts', '/broadcasts'],
    ['new-broadcast', '/broadcasts/new'],
    ['templates', '/templates'],
    ['template', `/templates/${templateId}`],
    ['reports', '/reports'],
    ['audit', '/audit'],
  ];
  for (const [name, path] of views) {
    const opened = await openConsole(browser, runtime, { path, viewport: { width: 1280, height: 860 } });
    await opened.page.waitForLoadState('networkidle');
    await opened.page.locator('.loading').first().waitFor({ state: 'detached' }).catch(() => undefined);
    await opened.page.screenshot({ path: join(out, `${name}.png`), fullPage: false });
    await opened.close();
    console.log(`docs/console/${name}.png`);
  }
  const phone = await openConsole(browser, runtime, { path: `/contacts/${contactId ?? ''}`, viewport: { width: 375, height: 800 } });
  await phone.page.waitForLoadState('networkidle');
  await phone.page.screenshot({ path: join(out, 'contact-phone.png') });
  await phone.close();
  console.log('docs/console/contact-phone.png');
} finally {
  await browser.close();
  await runtime.stop();
}
