import { isDeepStrictEqual } from 'node:util';
import { formatDuration } from '../../functions/shared/durations';
import { successors, type Journey, type Step } from '../../functions/journeys/domain/journey-file';
import { journeyVersion } from './compiler';
import { simulate, type SimulateOptions, type SimulatedContact, type SimulatedEvent, type SimulationResult } from './simulator';

/**
 * What a change to a journey file does, for review: the steps added, removed and changed (a step's own fields and
 * where it goes next, including the list-order default an inserted step shifts), the journey-level settings that
 * changed, and, run through the simulator, the example contacts whose outcome differs between the two versions.
 */

export interface StepChange {
  readonly id: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly type: Step['type'];
  /** For `changed`: the fields that differ (`next (by position)` when only the step after it changed). */
  readonly fields?: readonly string[];
}

export interface JourneyExample {
  readonly name: string;
  readonly contact: SimulatedContact;
  readonly events?: readonly SimulatedEvent[];
}

/** One example's outcome in each version, when they differ. */
export interface OutcomeChange {
  readonly example: string;
  readonly before: Outcome;
  readonly after: Outcome;
}

/** What a simulated run came to: the steps it went through, how it ended, and what it sent or handed off. */
export interface Outcome {
  readonly steps: readonly string[];
  readonly ending: string;
  readonly sends: readonly string[];
  readonly handOffs: number;
  readonly webhooks: readonly string[];
  /** Virtual time from entry to the end. */
  readonly lasted: string;
}

export interface JourneyDiff {
  readonly journeyId: string;
  /** `added`/`removed` when the whole file is new or gone. */
  readonly change: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly settings: readonly string[];
  readonly steps: readonly StepChange[];
  readonly outcomes: readonly OutcomeChange[];
  /** Examples run over both versions (changed outcomes are in `outcomes`). */
  readonly examplesRun: number;
  /** The compiled versions before and after (equal when only the name, description or policy changed: no one moves). */
  readonly versions?: { readonly before: string; readonly after: string };
  /** What the new file does to the contacts inside when it goes live. */
  readonly onChange?: Journey['on_change'];
}

/** Journey-level fields whose change alters who enters, when they leave, or when they are sent to. */
const SETTINGS = ['name', 'topic', 'timezone', 'triggers', 'entry', 'goals', 'await_confirmation', 'on_change'] as const;

/** The step-level differences between two versions of one journey, in the new file's order, then removed steps. */
export function diffSteps(before: Journey, after: Journey): StepChange[] {
  const old = new Map(before.steps.map((step, index) => [step.id, { step, index }]));
  const changes: StepChange[] = [];
  after.steps.forEach((step, index) => {
    const previous = old.get(step.id);
    if (!previous) {
      changes.push({ id: step.id, change: 'added', type: step.type });
      return;
    }
    const keys = new Set([...Object.keys(previous.step), ...Object.keys(step)]);
    const fields = [...keys].filter((key) => !isDeepStrictEqual((previous.step as Record<string, unknown>)[key], (step as Record<string, unknown>)[key]));
    // An explicit `next` is compared above; an implicit one is the following step in the list.
    if (!fields.includes('next') && !isDeepStrictEqual(successors(before, previous.index), successors(after, index))) fields.push('next (by position)');
    if (fields.length) changes.push({ id: step.id, change: 'changed', type: step.type, fields });
  });
  const kept = new Set(after.steps.map((step) => step.id));
  for (const step of before.steps) if (!kept.has(step.id)) changes.push({ id: step.id, change: 'removed', type: step.type });
  return changes;
}

/** The journey-level settings that differ. */
export function diffSettings(before: Journey, after: Journey): string[] {
  return SETTINGS.filter((key) => !isDeepStrictEqual(before[key], after[key]));
}

/** What one simulated run came to, in comparable form. */
export function outcomeOf(result: SimulationResult): Outcome {
  // The journey's own steps: a helper state's name starts with its step's id; the compiler's own start with `journey.`.
  const steps = [...new Set(result.path.filter((step) => !step.state.startsWith('journey.')).map((step) => step.state.split('.')[0]!))];
  const last = result.path.at(-1);
  return {
    steps,
    ending: result.status === 'exited' ? `exited (${result.exit?.reason ?? 'unknown'})` : result.status,
    sends: [...result.emails, ...((result as { sms?: readonly { at: string; templateId: string }[] }).sms ?? []).map((s) => ({ ...s, templateId: `sms:${s.templateId}` }))]
      .sort((a, b) => a.at.localeCompare(b.at))
      .map((send) => `${send.templateId} (+${formatDuration(Math.round((Date.parse(send.at) - Date.parse(result.startedAt)) / 1_000))})`),
    handOffs: result.handOffs.length,
    webhooks: result.webhooks.map((w) => w.url),
    lasted: formatDuration(last?.offsetSeconds ?? 0),
  };
}

/**
 * Diffs two versions of a journey (either may be absent: a new or deleted file) and runs every example over both,
 * from the same start, keeping those whose outcome differs.
 */
export async function diffJourney(
  before: Journey | undefined,
  after: Journey | undefined,
  examples: readonly JourneyExample[],
  options: Omit<SimulateOptions, 'contact' | 'events'> & { readonly start: Date },
): Promise<JourneyDiff> {
  const journeyId = (after ?? before)?.id ?? '';
  if (!before || !after) {
    const only = (after ?? before)!;
    return { journeyId, change: after ? 'added' : 'removed', settings: [], steps: only.steps.map((s) => ({ id: s.id, change: after ? 'added' : 'removed', type: s.type })), outcomes: [], examplesRun: 0 };
  }
  const settings = diffSettings(before, after);
  const steps = diffSteps(before, after);
  const outcomes: OutcomeChange[] = [];
  if (settings.length || steps.length) {
    for (const example of examples) {
      const run = (journey: Journey) => simulate(journey, { ...options, contact: example.contact, events: example.events ?? [] }).then(outcomeOf);
      const [old, next] = [await run(before), await run(after)];
      if (!isDeepStrictEqual(old, next)) outcomes.push({ example: example.name, before: old, after: next });
    }
  }
  const change = settings.length || steps.length ? 'changed' : 'unchanged';
  return {
    journeyId,
    change,
    settings,
    steps,
    outcomes,
    examplesRun: change === 'changed' ? examples.length : 0,
    versions: { before: journeyVersion(before), after: journeyVersion(after) },
    onChange: after.on_change,
  };
}

/** Contacts waiting at each step of the deployed journey (`GET /journeys/{id}`), for `--api`. */
export type WaitingCounts = Readonly<Record<string, number>>;

/** What the journey's `on_change` does to a contact waiting at a step of the deployed version, in words. */
function fateAt(diff: JourneyDiff, step: { readonly id: string; readonly change: StepChange['change'] | 'unchanged' }): string {
  const onChange = diff.onChange ?? { policy: 'keep' as const, map: {} };
  if (diff.versions && diff.versions.before === diff.versions.after) return 'nothing changes for them (same version)';
  switch (onChange.policy) {
    case 'keep':
      return 'they finish on the version they entered (keep)';
    case 'drain':
      return 'they leave the journey, reason drained (drain)';
    case 'migrate': {
      if (step.change !== 'removed') return 'they move to the same step of the new version, with what is left of their wait (migrate)';
      const target = onChange.map[step.id];
      return target ? `they move to ${target}, as mapped (migrate)` : 'no mapping: the build refuses this change (migrate)';
    }
  }
}

/** What happens to the people inside: at each changed or removed step, and, for migrate and drain, everyone else. */
function waitingLines(diff: JourneyDiff, waiting: WaitingCounts | undefined, markdown: boolean): string[] {
  if (!waiting) return [];
  const affected = diff.steps.filter((s) => s.change !== 'added');
  const rows = affected.map((s) => ({ id: s.id, count: waiting[s.id] ?? 0, change: s.change }));
  const total = Object.values(waiting).reduce((sum, n) => sum + n, 0);
  const lines = [markdown ? `**In the journey now:** ${total} contacts; at the changed or removed steps:` : `  in the journey now: ${total} contacts; at the changed or removed steps:`];
  for (const row of rows) {
    const text = `${row.id} (${row.change}): ${row.count} waiting — ${fateAt(diff, row)}`;
    lines.push(markdown ? `- ${text}` : `    ${text}`);
  }
  if (!rows.length) lines.push(markdown ? '- none' : '    none');
  const elsewhere = total - rows.reduce((sum, row) => sum + row.count, 0);
  const policy = diff.onChange?.policy ?? 'keep';
  if (elsewhere > 0 && policy !== 'keep' && diff.versions?.before !== diff.versions?.after) {
    const text = `the other ${elsewhere}: ${fateAt(diff, { id: '', change: 'unchanged' })}`;
    lines.push(markdown ? `- ${text}` : `    ${text}`);
  }
  return lines;
}

/** The version line: before → after, and what the policy does when it goes live. */
function versionLine(diff: JourneyDiff, markdown: boolean): string[] {
  if (!diff.versions) return [];
  const { before, after } = diff.versions;
  const onChange = diff.onChange ?? { policy: 'keep' as const, map: {} };
  const map = Object.entries(onChange.map).map(([from, to]) => `${from} → ${to}`);
  const text =
    before === after
      ? `version ${after} (unchanged: no one moves)`
      : `version ${before} → ${after}; on change: ${onChange.policy}${map.length ? ` (${map.join(', ')})` : ''}`;
  return [markdown ? `- ${text}` : `  ${text}`];
}

function outcomeText(outcome: Outcome): string {
  const sends = outcome.sends.length ? `sends ${outcome.sends.join(', ')}` : 'sends nothing';
  const handOffs = outcome.handOffs ? `, ${outcome.handOffs} hand-off${outcome.handOffs > 1 ? 's' : ''}` : '';
  return `${outcome.steps.join(' → ')}; ${outcome.ending} after ${outcome.lasted}; ${sends}${handOffs}`;
}

/** The diff as plain text (a terminal) or Markdown (a pull-request comment). */
export function formatDiffs(diffs: readonly JourneyDiff[], options: { readonly markdown: boolean; readonly waiting?: ReadonlyMap<string, WaitingCounts> }): string {
  const { markdown } = options;
  const changed = diffs.filter((d) => d.change !== 'unchanged');
  if (!changed.length) return markdown ? '**Journeys:** no journey changes.' : 'No journey changes.';
  const lines: string[] = [];
  for (const diff of changed) {
    lines.push(markdown ? `### Journey \`${diff.journeyId}\` (${diff.change})` : `${diff.journeyId} (${diff.change})`);
    lines.push(...versionLine(diff, markdown));
    if (diff.settings.length) lines.push(markdown ? `- settings changed: ${diff.settings.map((s) => `\`${s}\``).join(', ')}` : `  settings changed: ${diff.settings.join(', ')}`);
    for (const step of diff.steps) {
      const fields = step.fields?.length ? `: ${step.fields.join(', ')}` : '';
      lines.push(markdown ? `- ${step.change === 'added' ? '➕' : step.change === 'removed' ? '➖' : '✏️'} step \`${step.id}\` (${step.type}) ${step.change}${fields}` : `  ${step.change === 'added' ? '+' : step.change === 'removed' ? '-' : '~'} ${step.id} (${step.type}) ${step.change}${fields}`);
    }
    if (diff.change === 'changed') {
      if (!diff.outcomes.length) lines.push(markdown ? `- outcomes: the same for all ${diff.examplesRun} example contacts` : `  outcomes: the same for all ${diff.examplesRun} example contacts`);
      for (const outcome of diff.outcomes) {
        if (markdown) lines.push(`- outcome changes for **${outcome.example}**:`, `  - before: ${outcomeText(outcome.before)}`, `  - after: ${outcomeText(outcome.after)}`);
        else lines.push(`  outcome changes for "${outcome.example}":`, `    before: ${outcomeText(outcome.before)}`, `    after:  ${outcomeText(outcome.after)}`);
      }
    }
    lines.push(...waitingLines(diff, options.waiting?.get(diff.journeyId), markdown));
    if (markdown) lines.push('');
  }
  return lines.join('\n').trimEnd();
}
