import type { ChangePolicy, Journey } from './journey-file';

/**
 * Journey versions: what a compiled version says about itself, and where the contacts of an older version go when
 * the live one is `on_change: migrate`. Pure: the migrator (functions/journeys/journey-migrate.ts) reads executions and
 * definitions from Step Functions and asks these functions what to do.
 */

/** What a compiled journey version declares about itself, in its definition's top-level `Comment`. */
export interface VersionFacts {
  readonly journeyId: string;
  /** The hash of the compiled steps (lib/journeys/journey-version.ts): equal versions run the same states. */
  readonly version: string;
  readonly policy: ChangePolicy;
  readonly map: Readonly<Record<string, string>>;
}

/** The state a migrated execution starts in: it routes on `$.resume.state` (only compiled under `migrate`). */
export const RESUME_ENTRY = 'journey.resume?';
/** A wait step's resumed form: the same wait, for what was left of it (`$.resume.until` / `$.resume.remainingSeconds`). */
export const resumeStateOf = (stepId: string) => `${stepId}.resume`;

const COMMENT = /^Nurture journey ([a-z][a-z0-9-]*), version ([0-9a-f]{8}), on change: (keep|migrate|drain)(?: (\{[^}]*\}))?\./;

/** The top-level Comment of a compiled journey: readable in the console, and read back by {@link readVersionFacts}. */
export function versionComment(facts: VersionFacts, name: string): string {
  const map = Object.keys(facts.map).length ? ` ${JSON.stringify(facts.map)}` : '';
  return `Nurture journey ${facts.journeyId}, version ${facts.version}, on change: ${facts.policy}${map}. ${name}. Generated from statemachines/${facts.journeyId}.yaml; do not edit.`;
}

/** The facts of a definition's Comment; undefined for a definition compiled before versions (or not a journey). */
export function readVersionFacts(comment: string | undefined): VersionFacts | undefined {
  const match = COMMENT.exec(comment ?? '');
  if (!match) return undefined;
  let map: Record<string, string> = {};
  try {
    map = match[4] ? (JSON.parse(match[4]) as Record<string, string>) : {};
  } catch {
    return undefined;
  }
  return { journeyId: match[1]!, version: match[2]!, policy: match[3] as ChangePolicy, map };
}

/** The steps of `previous` that `journey` no longer has and its `on_change.map` does not place: a migrate build fails on them. */
export function unmappedRemovedSteps(journey: Journey, previous: readonly string[]): string[] {
  const now = new Set(journey.steps.map((step) => step.id));
  return previous.filter((id) => !now.has(id) && journey.on_change.map[id] === undefined);
}

/** Where a contact waiting at `stepId` of an older version continues in `journey`: the same step, else the mapped one. */
export function migrationTarget(journey: Pick<VersionFacts, 'map'> & { readonly steps: readonly { readonly id: string }[] }, stepId: string): string | undefined {
  if (journey.steps.some((step) => step.id === stepId)) return stepId;
  return journey.map[stepId];
}

/** A wait in the old version's definition, read from the state the execution last entered. */
export type WaitPosition =
  /** Waiting at `stepId`; `until` is when its wait ends (absent: a wait the new version restarts, e.g. a send window). */
  | { readonly type: 'Waiting'; readonly stepId: string; readonly state: string; readonly until?: Date }
  /** Between waits (a task under way): not moved now; the next run of the migrator finds it waiting. */
  | { readonly type: 'Busy'; readonly state: string };

interface StateOfDefinition {
  readonly Type?: unknown;
  readonly Resource?: unknown;
  readonly Seconds?: unknown;
  readonly TimestampPath?: unknown;
  readonly TimeoutSeconds?: unknown;
  readonly TimeoutSecondsPath?: unknown;
}

const WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/**
 * Where an execution waits, from the state it last entered (its name, when, and its input) in the definition it runs
 * on. A state's step is the part of its name before the first dot (step ids have none). Waits for a send window,
 * quiet hours or a double opt-in confirmation count as waiting at their send step, which the new version runs again
 * (it had not sent). Everything else (a task under way, a branch) is busy for a moment.
 */
export function waitPosition(states: Readonly<Record<string, StateOfDefinition>>, entered: { readonly state: string; readonly at: Date; readonly input: unknown }): WaitPosition {
  const { state: name, at, input } = entered;
  const state = states[name];
  const stepId = name.split('.')[0]!;
  if (!state) return { type: 'Busy', state: name };
  const path = (jsonPath: unknown) => (typeof jsonPath === 'string' ? pick(input, jsonPath) : undefined);
  if (name.endsWith('.window') || name.endsWith('.quiet') || name.endsWith('.confirmation')) return { type: 'Waiting', stepId, state: name };
  if (state.Type === 'Wait') {
    const seconds = typeof state.Seconds === 'number' ? state.Seconds : undefined;
    const timestamp = path(state.TimestampPath);
    const until = seconds !== undefined ? new Date(at.getTime() + seconds * 1_000) : typeof timestamp === 'string' && !Number.isNaN(Date.parse(timestamp)) ? new Date(timestamp) : undefined;
    return until ? { type: 'Waiting', stepId, state: name, until } : { type: 'Busy', state: name };
  }
  if (state.Type === 'Task' && state.Resource === WAIT_FOR_TASK_TOKEN) {
    const timeout = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : path(state.TimeoutSecondsPath);
    return typeof timeout === 'number' ? { type: 'Waiting', stepId, state: name, until: new Date(at.getTime() + timeout * 1_000) } : { type: 'Busy', state: name };
  }
  return { type: 'Busy', state: name };
}

/**
 * How a waiting contact starts in the new version (its definition's `states`): a wait step's resumed form with what
 * is left of its wait, or else the step itself, afresh.
 */
export function resumeAt(
  states: Readonly<Record<string, unknown>>,
  targetStepId: string,
  position: Extract<WaitPosition, { type: 'Waiting' }>,
  now: Date,
): { readonly state: string; readonly until?: string; readonly remainingSeconds?: number } {
  // Only wait steps have a resumed form; a wait that ends at no known time (a send window) restarts at its step.
  if (states[resumeStateOf(targetStepId)] === undefined || position.until === undefined) return { state: targetStepId };
  // At least a second: a wait that ended while the migrator worked resumes at once, not with a negative timeout.
  const remainingSeconds = Math.max(1, Math.ceil((position.until!.getTime() - now.getTime()) / 1_000));
  return { state: resumeStateOf(targetStepId), until: new Date(now.getTime() + remainingSeconds * 1_000).toISOString(), remainingSeconds };
}

/** The deterministic name of a migrated execution: the old name (cut to fit 80 characters) and the new version. */
export function migratedExecutionName(executionName: string, version: string): string {
  const suffix = `_v${version}`;
  const base = executionName.replace(/_v[0-9a-f]{8}$/, '');
  return `${base.slice(0, 80 - suffix.length)}${suffix}`;
}

/** The value at a simple JSONPath (`$.a.b`) of a JSON value. */
function pick(value: unknown, jsonPath: string): unknown {
  let at: unknown = value;
  for (const key of jsonPath.replace(/^\$\.?/, '').split('.').filter(Boolean)) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
