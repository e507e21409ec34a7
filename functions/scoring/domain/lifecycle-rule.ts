import type { Contact } from '../../shared/contact';
import type { ReactorState } from '../../reactor/domain/decisions';
import type { ScoringDecision as Decision } from './decisions';
import { EventName } from '../../shared/events';
import type { TimelineEvent } from '../../shared/timeline';
import { derivedEventId } from './derived-id';
import { RECYCLED, type Lifecycle } from '../../shared/lifecycle';
import { sameScore, scoreEvent, withoutBehaviour } from './score';
import type { ScoringRules } from './scoring-rules';
import { nextStage, type Transition } from './stages';

/** What one event does to a contact's score and stage, before it becomes decisions. */
export interface LifecycleOutcome {
  readonly score: Contact['score'] & object;
  readonly transition?: Transition;
  /** `score.changed` and `stage.changed` events to append, with ids derived from the cause. */
  readonly events: readonly TimelineEvent[];
  /** Whether the stored score must be rewritten. */
  readonly scoreChanged: boolean;
}

const NO_EVENTS: readonly TimelineEvent[] = [];

/**
 * Scores one event and decides the stage it leads to: a pure function of (rules, funnel, profile, event). Time is
 * the event's own (`occurredAt`), so replaying a timeline gives the same result whenever it runs.
 */
export function applyEvent(
  rules: ScoringRules,
  lifecycle: Lifecycle,
  contact: Contact,
  event: TimelineEvent,
  /** `false` for replays, which only want the resulting score and stage. @default true */
  withEvents = true,
): LifecycleOutcome {
  const { score: scored, earned } = scoreEvent(rules, contact, event);
  const engaged = earned.some((e) => e.points > 0);
  const transition = nextStage(lifecycle, contact.stage, event, scored, engaged);
  const score = transition?.to === RECYCLED ? withoutBehaviour(scored) : scored;

  if (!withEvents) return transition ? { score, transition, events: NO_EVENTS, scoreChanged: true } : { score, events: NO_EVENTS, scoreChanged: true };
  const events: TimelineEvent[] = [];
  const previousTotal = contact.score?.total ?? 0;
  const base = { contactId: contact.contactId, occurredAt: event.occurredAt };
  if (score.total !== previousTotal) {
    events.push({
      ...base,
      eventId: derivedEventId(event.eventId, 'score'),
      type: EventName.ScoreChanged,
      data: {
        fit: score.fit,
        behaviour: score.behaviour,
        total: score.total,
        previousTotal,
        version: score.version,
        ruleIds: earned.map((e) => e.ruleId),
        cause: 'event',
      },
    });
  }
  if (transition) {
    events.push({
      ...base,
      eventId: derivedEventId(event.eventId, 'stage'),
      type: EventName.StageChanged,
      data: { ...transition, causeEventId: event.eventId },
    });
  }
  return { score, ...(transition ? { transition } : {}), events, scoreChanged: !sameScore(contact.score, score) };
}

/**
 * The reactor rule of the scoring capability: on every event, the score and stage update (one write joining the
 * processed marker's transaction, so a redelivered record never scores twice). The effects of a transition are
 * decided on its own `stage.changed` event, once that event (and so the profile written with it) is committed:
 * the CRM hand-off on entering the hand-off stage, and re-enrolment in the nurture journey when sales recycle a
 * lead. A hand-off made from the transition itself could read the profile before the transaction wrote it.
 */
export const scoringRule =
  (rules: ScoringRules, lifecycle: Lifecycle) =>
  ({ event, contact }: ReactorState): Decision[] => {
    if (event.type === EventName.StageChanged) return transitionEffects(lifecycle, event);
    const outcome = applyEvent(rules, lifecycle, contact, event);
    const { transition } = outcome;
    if (!outcome.scoreChanged && !transition) return [];
    return [
      {
        type: 'UpdateLifecycle',
        contactId: contact.contactId,
        ...(outcome.scoreChanged ? { score: outcome.score } : {}),
        ...(transition ? { stage: { to: transition.to, at: event.occurredAt } } : {}),
        events: outcome.events,
      },
    ];
  };

/** What entering a stage causes, decided on the committed `stage.changed` event. */
function transitionEffects(lifecycle: Lifecycle, event: Extract<TimelineEvent, { type: typeof EventName.StageChanged }>): Decision[] {
  const { contactId, eventId } = event;
  if (event.data.to === lifecycle.handOffAt) {
    return [
      {
        type: 'HandOff',
        contactId,
        // One hand-off per entry into the stage, however often the record is retried.
        idempotencyKey: `stage-${eventId}`,
        reason: event.data.reason,
        source: 'reactor',
      },
    ];
  }
  // Re-enrolling a recycled lead (lifecycle.yaml `recycle.journey`) is the journeys' rule: it owns entry, the
  // membership and the execution's input.
  return [];
}
