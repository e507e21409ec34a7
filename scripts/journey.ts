import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatDuration } from '../functions/shared/durations';
import { mermaid } from '../functions/journeys/domain/diagram';
import { emails } from '../functions/email/templates';
import { forms } from '../functions/forms/forms';
import { lifecycle, stageRankOf } from '../functions/scoring/domain/content';
import { formatDiffs, diffJourney, type WaitingCounts } from '../lib/journeys/journey-diff';
import { readJourneyExamples } from '../lib/journeys/journey-examples';
import { buildJourneys, repoRoot } from '../lib/journeys/journey-files';
import { loadJourneys, type Journey } from '../functions/journeys/domain/journey-file';
import { parse } from 'yaml';
import { simulate, type SimulationResult } from '../lib/journeys/simulator';
import { validateJourney } from '../lib/journeys/validate';

/**
 * `npm run journey -- <command>`:
 *   validate                                   check every journey file (and regenerate the bundled module)
 *   diagram <journeyId>                        print a Mermaid flowchart
 *   simulate <journeyId> --contact <file|json> [--events <file|json>] [--start <ISO>] [--json]
 *   diff [<git ref>] [--markdown] [--api <url>]   what changed since <ref> (default HEAD), and for whom
 */
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    contact: { type: 'string' },
    events: { type: 'string' },
    start: { type: 'string' },
    json: { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
    api: { type: 'string' },
  },
});
const [command, journeyId] = positionals;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** A JSON argument, or the path of a JSON file. */
function jsonArgument(text: string, what: string): unknown {
  const source = text.trim().startsWith('{') || text.trim().startsWith('[') ? text : readFileSync(text, 'utf8');
  try {
    return JSON.parse(source);
  } catch {
    return fail(`--${what} is neither JSON nor a JSON file`);
  }
}

let journeys;
try {
  journeys = buildJourneys();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

switch (command) {
  case 'validate': {
    const context = {
      templates: new Set(emails.templates.map((t) => t.id)),
      forms: new Set(forms.keys()),
      stages: new Set(lifecycle.stages.map((s: { id: string }) => s.id)),
    };
    const problems = [...journeys.values()].flatMap((journey) => validateJourney(journey, context));
    if (problems.length) fail(`Journey files have problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    console.log(`${journeys.size} journeys valid: ${[...journeys.keys()].join(', ')}`);
    break;
  }
  case 'diagram': {
    const journey = journeys.get(journeyId ?? '') ?? fail(`No journey "${journeyId ?? ''}"; known: ${[...journeys.keys()].join(', ')}`);
    process.stdout.write(mermaid(journey));
    break;
  }
  case 'simulate': {
    const journey = journeys.get(journeyId ?? '') ?? fail(`No journey "${journeyId ?? ''}"; known: ${[...journeys.keys()].join(', ')}`);
    if (!values.contact) fail('simulate needs --contact <file|json>');
    const start = values.start ? new Date(values.start) : new Date();
    if (Number.isNaN(start.getTime())) fail('--start is not an ISO date and time');
    const result = await simulate(journey, {
      contact: jsonArgument(values.contact, 'contact') as never,
      events: (values.events ? jsonArgument(values.events, 'events') : []) as never,
      start,
      stageRank: stageRankOf,
    }).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else console.log(describe(result));
    break;
  }
  case 'diff': {
    const ref = journeyId ?? 'HEAD';
    const before = journeysAt(ref);
    const examples = readJourneyExamples();
    const start = values.start ? new Date(values.start) : new Date();
    const ids = [...new Set([...before.keys(), ...journeys.keys()])].sort();
    const diffs = [];
    for (const id of ids) {
      diffs.push(await diffJourney(before.get(id), journeys.get(id), examples.get(id) ?? [], { start, stageRank: stageRankOf }).catch((error: unknown) => fail(`${id}: ${error instanceof Error ? error.message : String(error)}`)));
    }
    const waiting = values.api ? await waitingAt(values.api, diffs.filter((d) => d.change === 'changed' || d.change === 'removed').map((d) => d.journeyId)) : undefined;
    console.log(formatDiffs(diffs, { markdown: values.markdown, ...(waiting ? { waiting } : {}) }));
    break;
  }
  default:
    fail('usage: npm run journey -- validate | diagram <journeyId> | simulate <journeyId> --contact <file|json> [--events <file|json>] [--start <ISO>] [--json] | diff [<git ref>] [--markdown] [--api <url>]');
}

function describe(result: SimulationResult): string {
  const lines = [`${result.journeyId}: simulated from ${result.startedAt}`];
  for (const step of result.path) {
    lines.push(`  ${`+${formatDuration(step.offsetSeconds)}`.padEnd(8)} ${step.at.slice(0, 16).replace('T', ' ')}  ${step.state.padEnd(24)} ${step.note ?? ''}`.trimEnd());
  }
  lines.push(
    result.status === 'exited' ? `  exited (${result.exit?.reason}: ${result.exit?.detail}) at ${result.exit?.at}` : `  ${result.status}`,
    `emails that would be sent: ${result.emails.map((e) => `${e.templateId} (+${formatDuration(Math.round((Date.parse(e.at) - Date.parse(result.startedAt)) / 1_000))})`).join(', ') || 'none'}`,
    ...(result.skipped.length ? [`sends the guards would stop: ${result.skipped.map((e) => `${e.templateId} (${e.reason})`).join(', ')}`] : []),
    `hand-offs that would be made: ${result.handOffs.length ? result.handOffs.map((h) => h.reason ?? h.stepId).join(', ') : 'none'}`,
  );
  if (result.webhooks.length) lines.push(`webhooks that would be called: ${result.webhooks.map((w) => w.url).join(', ')}`);
  return lines.join('\n');
}

/** The journey files as they were at a git ref (a branch, tag or commit), parsed and validated against the schema. */
function journeysAt(ref: string): ReadonlyMap<string, Journey> {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  let names: string[];
  try {
    names = git('ls-tree', '--name-only', ref, 'statemachines/').split('\n').filter((name) => /^statemachines\/[^/]+\.ya?ml$/.test(name));
  } catch {
    return fail(`"${ref}" is not a git ref here (try main, origin/main or a commit)`);
  }
  const files = Object.fromEntries(names.map((name) => [name.slice('statemachines/'.length), parse(git('show', `${ref}:${name}`))]));
  return loadJourneys(files);
}

/**
 * How many contacts wait at each step of each journey in a running deployment (`GET /journeys/{id}`), read with
 * the key in NURTURE_API_KEY (scope journeys:read).
 */
async function waitingAt(api: string, ids: readonly string[]): Promise<ReadonlyMap<string, WaitingCounts>> {
  const key = process.env.NURTURE_API_KEY ?? fail('--api needs NURTURE_API_KEY (a key with journeys:read)');
  const waiting = new Map<string, WaitingCounts>();
  for (const id of ids) {
    const response = await fetch(new URL(`/journeys/${encodeURIComponent(id)}`, api), { headers: { authorization: `Bearer ${key}` } }).catch((error: unknown) =>
      fail(`${api} did not answer: ${error instanceof Error ? error.message : String(error)}`),
    );
    if (response.status === 404) continue;
    if (!response.ok) fail(`GET /journeys/${id} answered ${response.status}: ${await response.text()}`);
    const body = (await response.json()) as { steps?: { id: string; active: number }[] };
    waiting.set(id, Object.fromEntries((body.steps ?? []).map((step) => [step.id, step.active])));
  }
  return waiting;
}
