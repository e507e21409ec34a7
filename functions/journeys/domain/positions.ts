import { successors, type Journey, type Step } from './journey-file';

/** The pseudo-step a contact counts at between entering a journey and its first send or update. */
export const START_STEP = 'start';

/** Steps that leave a mark on the timeline with their step id (`email.sent`/`email.skipped`, `contact.updated`). */
const MARKING: ReadonlySet<Step['type']> = new Set(['send_email', 'update_contact']);
/** Steps a contact stays in for a while: the only places it can be found between two marks. */
const WAITING: ReadonlySet<Step['type']> = new Set(['wait', 'wait_until', 'wait_for_event']);

/**
 * Where a contact last marked at `stepId` (or at {@link START_STEP}) actually is: the reactor's step gauge only
 * moves on steps that write to the timeline, so a contact sitting in the wait after an email still counts at the
 * email. Every other step (branch, split, hand-off, webhook, exit) takes milliseconds, so a contact found after
 * a mark is, but for that blink, in one of the waits it can reach before the next mark. When exactly one wait is
 * reachable, that is where it is; when none (the next step is another mark, or the end) or several (two waits in
 * a row, a branch between two waits), the mark stays the honest answer: "somewhere after this step".
 */
export function waitingStepAfter(journey: Journey, stepId: string): string {
  const index = new Map(journey.steps.map((step, i) => [step.id, i]));
  // A contact moved to a new version (`journey.migrated`) is marked at the wait it sits in: it is there.
  const own = index.has(stepId) ? journey.steps[index.get(stepId)!] : undefined;
  if (own && WAITING.has(own.type)) return stepId;
  const from = stepId === START_STEP ? [journey.steps[0]?.id] : index.has(stepId) ? successors(journey, index.get(stepId)!) : [];
  const waits = new Set<string>();
  const seen = new Set<string>();
  const queue = [...from];
  while (queue.length) {
    const id = queue.shift();
    if (id === undefined || seen.has(id) || !index.has(id)) continue;
    seen.add(id);
    const i = index.get(id)!;
    const step = journey.steps[i]!;
    if (MARKING.has(step.type)) continue;
    if (WAITING.has(step.type)) waits.add(id);
    queue.push(...successors(journey, i));
  }
  return waits.size === 1 ? [...waits][0]! : stepId;
}

/** A journey's step gauge (step id → contacts) with each mark's contacts moved to the wait they sit in. */
export function placeInWaits(journey: Journey | undefined, counts: Readonly<Record<string, number>>): Record<string, number> {
  const placed: Record<string, number> = {};
  for (const [stepId, n] of Object.entries(counts)) {
    const at = journey ? waitingStepAfter(journey, stepId) : stepId;
    placed[at] = (placed[at] ?? 0) + n;
  }
  return placed;
}
