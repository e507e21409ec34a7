import type { LeadScore } from '../../shared/contact';
import { EventName } from '../../shared/events';
import type { TimelineEvent } from '../../shared/timeline';
import { DISQUALIFIED, MQL, RECYCLED, stageRank, type Lifecycle } from '../../shared/lifecycle';
import { matches } from '../../shared/event-matcher';

export interface Transition {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  /** A recycled contact engaging again. */
  readonly reopened?: boolean;
}

interface Candidate {
  readonly to: string;
  readonly reason: string;
  /** CRM feedback, or a journey step recycling or disqualifying: someone said so, which may leave the funnel's order. */
  readonly explicit: boolean;
}

/**
 * The stage a contact moves to because of one event, if any. Stages move forward only; the exceptions are explicit
 * CRM feedback (recycle, disqualify, or any forward move from a side stage). A disqualified contact stays so until
 * sales say otherwise; a recycled one moves forward again only when the event shows engagement (`engaged`: it earned
 * behaviour points), and that move is flagged as reopened. When several moves apply, explicit feedback wins, then
 * the furthest stage. A journey's update-contact step (`contact.updated` with a `stage`) asks for a stage under the
 * same rules: a funnel stage only forward, a side stage (recycle, disqualify) as an explicit move.
 */
export function nextStage(
  lifecycle: Lifecycle,
  current: string | undefined,
  event: TimelineEvent,
  score: Pick<LeadScore, 'fit' | 'total'>,
  engaged: boolean,
): Transition | undefined {
  const from = current ?? lifecycle.initial;
  // Fast path (most events): no feedback, no event transition, below the MQL line.
  const { minTotal, minFit } = lifecycle.mql;
  const qualifies = score.total >= minTotal && score.fit >= minFit;
  const requested = event.type === EventName.ContactUpdated ? event.data.stage : undefined;
  if (event.type !== EventName.CrmFeedback && requested === undefined && !qualifies && !transitionTypes(lifecycle).has(event.type)) return undefined;
  const candidates: Candidate[] = [];
  if (event.type === EventName.CrmFeedback) {
    const to = lifecycle.feedback[event.data.outcome];
    const status = event.data.status ? ` (${event.data.status})` : '';
    if (to) candidates.push({ to, reason: `CRM feedback: ${event.data.outcome}${status}`, explicit: true });
  }
  if (requested !== undefined && event.type === EventName.ContactUpdated) {
    const side = lifecycle.sideStages.some((s) => s.id === requested);
    const reason = event.data.journeyId ? `journey ${event.data.journeyId}, step ${event.data.stepId ?? '?'}` : 'contact update';
    // Unknown ids are refused when journeys are built; one that slipped through moves nobody.
    if (side || stageRank(lifecycle, requested) !== undefined) candidates.push({ to: requested, reason, explicit: side });
  }
  for (const transition of lifecycle.transitions) {
    if (matches(transition.on, event)) candidates.push({ to: transition.to, reason: transition.reason, explicit: false });
  }
  if (qualifies) {
    candidates.push({ to: MQL, reason: `score ${score.total} ≥ ${minTotal} and fit ${score.fit} ≥ ${minFit}`, explicit: false });
  }

  const allowed = candidates.filter((c) => mayMove(lifecycle, from, c, engaged));
  const chosen =
    allowed.find((c) => c.explicit) ??
    allowed.sort((a, b) => (stageRank(lifecycle, b.to) ?? -1) - (stageRank(lifecycle, a.to) ?? -1))[0];
  if (!chosen) return undefined;
  const reopened = from === RECYCLED && stageRank(lifecycle, chosen.to) !== undefined;
  return { from, to: chosen.to, reason: chosen.reason, ...(reopened ? { reopened } : {}) };
}

const typesByLifecycle = new WeakMap<Lifecycle, ReadonlySet<string>>();
/** Event types any event transition listens to. */
function transitionTypes(lifecycle: Lifecycle): ReadonlySet<string> {
  let types = typesByLifecycle.get(lifecycle);
  if (!types) {
    types = new Set(lifecycle.transitions.flatMap((t) => (typeof t.on.type === 'string' ? [t.on.type] : t.on.type)));
    typesByLifecycle.set(lifecycle, types);
  }
  return types;
}

function mayMove(lifecycle: Lifecycle, from: string, candidate: Candidate, engaged: boolean): boolean {
  if (candidate.to === from) return false;
  const fromRank = stageRank(lifecycle, from);
  const toRank = stageRank(lifecycle, candidate.to);
  if (candidate.explicit) return toRank === undefined || fromRank === undefined || toRank > fromRank;
  if (toRank === undefined) return false;
  if (from === DISQUALIFIED) return false;
  if (from === RECYCLED) return engaged;
  return fromRank !== undefined && toRank > fromRank;
}
