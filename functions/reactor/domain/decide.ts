import type { Contact } from '../../shared/contact';
import type { TimelineEvent } from '../../shared/timeline';
import type { Decision, ReactorState, Rule } from './decisions';

/** Every decision the rules make for one event. Pure: the same state always gives the same decisions. */
export function decideWith<S, D extends Decision>(state: ReactorState<S>, rules: readonly Rule<S, D>[]): D[] {
  return rules.flatMap((rule) => rule(state));
}

/**
 * Runs the rules over a whole timeline, oldest first, with no database and no processed markers: what recomputations
 * start from. `contact` is the profile the rules see for every event.
 */
export function replayWith<S, D extends Decision>(contact: Contact, events: readonly TimelineEvent[], rules: readonly Rule<S, D>[]): D[] {
  return [...events]
    .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.eventId.localeCompare(b.eventId))
    .flatMap((event) => decideWith({ event, contact } as ReactorState<S>, rules));
}
