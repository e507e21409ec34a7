import type { Contact, LeadScore } from '../../shared/contact';
import { EventName } from '../../shared/events';
import type { TimelineEvent } from '../../shared/timeline';
import type { Lifecycle } from '../../shared/lifecycle';
import { applyEvent } from './lifecycle-rule';
import { initialScore } from './score';
import type { ScoringRules } from './scoring-rules';
import type { Transition } from './stages';

export interface Replayed {
  readonly score: LeadScore;
  readonly stage: string;
  readonly transitions: readonly (Transition & { readonly at: string; readonly causeEventId: string })[];
  /** Events the replay applied (its own derived events are skipped). */
  readonly events: number;
}

/** Events scoring writes itself: a replay recomputes them instead of reading them back. */
const DERIVED: ReadonlySet<string> = new Set([EventName.ScoreChanged, EventName.StageChanged]);

/**
 * A contact's score and stage recomputed from its whole timeline with these rules, as if the reactor had applied
 * them from the first event: no database, no clock (each event's own time). What `npm run rescore` compares with
 * the stored profile after a rules change. `events` must be oldest first.
 */
export function replayTimeline(rules: ScoringRules, lifecycle: Lifecycle, profile: Contact, events: readonly TimelineEvent[]): Replayed {
  const { score: _score, stage: _stage, stageChangedAt: _at, ...rest } = profile;
  // One working copy, updated in place: a replay runs millions of events and allocates per event only what scoring does.
  const contact: Contact = { ...rest };
  const transitions: Replayed['transitions'][number][] = [];
  let applied = 0;
  for (const event of events) {
    if (DERIVED.has(event.type)) continue;
    applied++;
    const outcome = applyEvent(rules, lifecycle, contact, event, false);
    contact.score = outcome.score;
    if (outcome.transition) {
      contact.stage = outcome.transition.to;
      transitions.push({ ...outcome.transition, at: event.occurredAt, causeEventId: event.eventId });
    }
  }
  return {
    score: contact.score ?? initialScore(rules, contact, profile.createdAt),
    stage: contact.stage ?? lifecycle.initial,
    transitions,
    events: applied,
  };
}
