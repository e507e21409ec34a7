import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { buildConsole } from '../local/console';
import { startRuntime, type Runtime } from '../local/runtime';
import { launchChromium } from '../tests/support/browser';
import { openConsole } from '../tests/support/console';
import { repoRoot } from './child';

/** The issue's goal for what the first view ships: JavaScript, gzipped. */
export const FIRST_VIEW_JS_GOAL_BYTES = 200 * 1024;
/** Opening the console to its first view, against opening a plain page of the same gateway in the same browser. */
export const INTERACTIVE_GOAL_RATIO = 5;
/** A view that needs more calls than this to draw wants an aggregate route. */
export const CALLS_PER_VIEW_GOAL = 6;
const SAMPLES = 7;

export interface ConsoleBenchResult {
  readonly firstView: { readonly jsGzip: number; readonly cssGzip: number; readonly files: readonly string[] };
  /** Preact's own runtime, minified and gzipped: the floor any app built on it ships. */
  readonly floorJsGzip: number;
  readonly lazy: readonly { readonly file: string; readonly gzip: number }[];
  readonly interactive: { readonly medianMs: number; readonly floorMedianMs: number };
  readonly views: readonly { readonly view: string; readonly calls: readonly string[] }[];
}

const gzipBytes = (path: string) => gzipSync(readFileSync(path)).length;

/** What the first view loads: the entry script and the modules Vite preloads with it, and the stylesheet. */
function firstViewFiles(dist: string): { js: string[]; css: string[] } {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const attr = (pattern: RegExp) => [...html.matchAll(pattern)].map((found) => found[1]!.replace(/^\/console\//, ''));
  return {
    js: [...attr(/<script[^>]+src="([^"]+)"/g), ...attr(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)],
    css: attr(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g),
  };
}

async function median(samples: number, run: () => Promise<number>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push(await run());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Posts `count` demo requests so the views have contacts, sends and journeys to show. */
async function seedLeads(runtime: Runtime, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${runtime.url}/forms/demo-request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `bench-${i}@example.com`, first_name: `Bench${i}`, budget: i % 2 ? 12_000 : 2_000, consent_marketing: true }),
    });
    const body = (await response.json()) as { contactId?: string };
    if (body.contactId) ids.push(body.contactId);
  }
  return ids;
}

export async function benchConsole(say: (line: string) => void = () => undefined): Promise<ConsoleBenchResult> {
  say('console: building the app');
  await buildConsole(repoRoot);
  const dist = join(repoRoot, 'console/dist');
  const files = firstViewFiles(dist);
  const assets = readFileSync(join(dist, 'index.html'), 'utf8');
  const { readdirSync } = await import('node:fs');
  const lazy = readdirSync(join(dist, 'assets'))
    .filter((file) => file.endsWith('.js') && !files.js.includes(`assets/${file}`) && !assets.includes(file))
    .map((file) => ({ file, gzip: gzipBytes(join(dist, 'assets', file)) }))
    .sort((a, b) => b.gzip - a.gzip);
  const firstView = {
    jsGzip: files.js.reduce((sum, file) => sum + gzipBytes(join(dist, file)), 0),
    cssGzip: files.css.reduce((sum, file) => sum + gzipBytes(join(dist, file)), 0),
    files: [...files.js, ...files.css],
  };
  const floorJsGzip = gzipBytes(join(repoRoot, 'node_modules/preact/dist/preact.module.js'));

  const runtime = await startRuntime({ port: 0, dynamoDbPort: 0, sesPort: 0, s3Port: 0, dataDir: null, tableName: 'console-bench' });
  let browser: Browser | undefined;
  try {
    const contacts = await seedLeads(runtime, 6);
    browser = await launchChromium();
    say('console: first view interactive, against a plain page of the same gateway');
    const floorMedianMs = await median(SAMPLES, async () => {
      const context = await browser!.newContext();
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${runtime.url}/thank-you`, { waitUntil: 'load' });
      const ms = performance.now() - started;
      // The packaged Chromium runs as one process, which closing a context ends: only the page is closed.
      await page.close();
      return ms;
    });
    const medianMs = await median(SAMPLES, async () => {
      const started = performance.now();
      const opened = await openConsole(browser!, runtime, { path: '/' });
      await opened.page.getByRole('heading', { level: 1, name: 'Home' }).waitFor();
      await opened.page.locator('.loading').first().waitFor({ state: 'detached' }).catch(() => undefined);
      const ms = performance.now() - started;
      await opened.close();
      return ms;
    });

    say('console: API calls per view');
    const journeys = (await (await fetch(`${runtime.url}/journeys`, { headers: { authorization: `Bearer ${runtime.apiKey}` } })).json()) as { journeys?: { journeyId: string }[] };
    const journeyId = journeys.journeys?.[0]?.journeyId ?? 'budget-router';
    const paths: [string, string][] = [
      ['Home', '/'],
      ['Contacts (search)', '/contacts?q=bench-1%40example.com&by=email'],
      ['Contact', `/contacts/${contacts[0]}`],
      ['Segments', '/segments'],
      ['Journeys', '/journeys'],
      ['Journey', `/journeys/${journeyId}`],
      ['Broadcasts', '/broadcasts'],
      ['Templates', '/templates'],
      ['Reports', '/reports'],
    ];
    const views: { view: string; calls: string[] }[] = [];
    for (const [view, path] of paths) {
      const opened = await openConsole(browser, runtime, { path });
      await opened.page.waitForLoadState('networkidle');
      await opened.page.locator('.loading').first().waitFor({ state: 'detached' }).catch(() => undefined);
      views.push({ view, calls: opened.apiCalls.filter((call) => call !== 'GET /me') });
      await opened.close();
    }
    return { firstView, floorJsGzip, lazy, interactive: { medianMs, floorMedianMs }, views };
  } finally {
    await browser?.close();
    await runtime.stop();
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function consoleSection(result: ConsoleBenchResult): { markdown: string; verdicts: { goal: string; met: boolean }[] } {
  const jsMet = result.firstView.jsGzip <= FIRST_VIEW_JS_GOAL_BYTES;
  const ratio = result.interactive.medianMs / result.interactive.floorMedianMs;
  const interactiveMet = ratio <= INTERACTIVE_GOAL_RATIO;
  const most = Math.max(...result.views.map((view) => view.calls.length));
  const callsMet = most <= CALLS_PER_VIEW_GOAL;
  const mark = (met: boolean) => (met ? 'MET' : '**MISS**');
  const lines = [
    '## Console',
    '',
    '| measure | value | floor | goal |',
    '| --- | ---: | ---: | --- |',
    `| first view JavaScript, gzipped (${result.firstView.files.filter((f) => f.endsWith('.js')).length} file(s)) | ${kb(result.firstView.jsGzip)} (${(result.firstView.jsGzip / result.floorJsGzip).toFixed(1)}× the floor) | ${kb(result.floorJsGzip)} (Preact alone) | ≤ 200 KB: ${mark(jsMet)} |`,
    `| first view stylesheet, gzipped | ${kb(result.firstView.cssGzip)} | | |`,
    `| first view interactive (sign-in session to Home's numbers drawn), median of ${SAMPLES} | ${result.interactive.medianMs.toFixed(0)} ms (${ratio.toFixed(2)}× the floor) | ${result.interactive.floorMedianMs.toFixed(0)} ms (a plain page of the same gateway) | ≤ ${INTERACTIVE_GOAL_RATIO}×: ${mark(interactiveMet)} |`,
    `| most API calls a view makes to draw | ${most} | | ≤ ${CALLS_PER_VIEW_GOAL}: ${mark(callsMet)} |`,
    '',
    'Loaded only by the views that need them (gzipped): ' + (result.lazy.length ? result.lazy.slice(0, 6).map((chunk) => `\`${chunk.file}\` ${kb(chunk.gzip)}`).join(', ') : 'none') + '.',
    '',
    '| view | API calls to draw (besides `GET /me` once per sign-in) |',
    '| --- | --- |',
    ...result.views.map((view) => `| ${view.view} | ${view.calls.length}: ${view.calls.map((call) => `\`${call}\``).join(', ') || '–'} |`),
    '',
  ];
  return {
    markdown: lines.join('\n'),
    verdicts: [
      { goal: `console first view JavaScript ${kb(result.firstView.jsGzip)} gzipped (goal ≤ 200 KB)`, met: jsMet },
      { goal: `console first view interactive ${ratio.toFixed(2)}× a plain page (goal ≤ ${INTERACTIVE_GOAL_RATIO}×)`, met: interactiveMet },
      { goal: `console: at most ${most} API calls per view (goal ≤ ${CALLS_PER_VIEW_GOAL})`, met: callsMet },
    ],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchConsole((line) => console.error(line));
  console.log(consoleSection(result).markdown);
}
