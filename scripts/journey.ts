import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatDuration } from '../functions/shared/durations';
import { mermaid } from '../functions/journeys/domain/diagram';
import { emails } from '../functions/email/templates';
import { forms } from '../functions/forms/forms';
import { lifecycle, stageRankOf } from '../functions/scoring/domain/content';
import { buildJourneys } from '../lib/journeys/journey-files';
import { simulate, type SimulationResult } from '../lib/journeys/simulator';
import { validateJourney } from '../lib/journeys/validate';

/**
 * `npm run journey -- <command>`:
 *   validate                                   check every journey file (and regenerate the bundled module)
 *   diagram <journeyId>                        print a Mermaid flowchart
 *   simulate <journeyId> --contact <file|json> [--events <file|json>] [--start <ISO>] [--json]
 */
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    contact: { type: 'string' },
    events: { type: 'string' },
    start: { type: 'string' },
    json: { type: 'boolean', default: false },
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
  default:
    fail('usage: npm run journey -- validate | diagram <journeyId> | simulate <journeyId> --contact <file|json> [--events <file|json>] [--start <ISO>] [--json]');
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
