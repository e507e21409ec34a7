import type { StageRank } from '../../shared/conditions';
import type { Contact } from '../../shared/contact';
import { EventName } from '../../shared/events';
import type { TimelineEvent } from '../../shared/timeline';
import { nextState, transitionReason, type Cause, type SegmentState } from './membership';
import type { Segment } from './segment-file';
import { affectedBy, withInitialStage, type SegmentIndex } from './rules';

/** What the replay knows of the funnel: the stages' order for conditions, and the stage new profiles start at. */
export interface Funnel {
  readonly stageRank?: StageRank;
  /** A profile is created with no stage (absent means this one): conditions read this stage before its first change. */
  readonly initialStage?: string;
}

/** A contact's states recomputed from its timeline, by segment id, and the reason of each current membership. */
export interface ReplayedSegments {
  readonly states: Map<string, SegmentState>;
  /** Segment id → why the contact entered it (members only). */
  readonly reasons: Map<string, string>;
  /** Timeline events replayed (the `segment.*` events themselves are not). */
  readonly events: number;
}

/** Reviews of one segment in a row at most: a window's end can only move later, so this never binds in practice. */
const MAX_REVIEWS_IN_A_ROW = 50;

/**
 * Replays one contact's timeline through the segments as the reactor evaluated them live, with no database: each
 * event re-evaluates the segments it can change (`affectedBy`), in the order the reactor processed the events; the
 * time windows that end between two events are reviewed at their end (as the sweep does), and finally those that
 * ended by `now`. The `segment.*` events are the live outcome, not a cause, and are skipped. Pure: the same
 * timeline and `now` always give the same states.
 *
 * The profile conditions read the contact as it was at each event for `stage` and `score` (rolled back through the
 * `stage.changed` and `score.changed` events, each taking effect after the event that caused it, as it did live);
 * other subjects (attributes, consent, suppression, tags) read the current profile, since no event records them all.
 */
export function replaySegments(index: SegmentIndex, contact: Contact, events: readonly TimelineEvent[], now: string, funnel: Funnel = {}): ReplayedSegments {
  const ordered = isInProcessingOrder(events) ? events : inProcessingOrder(events);
  const profileAt = profileHistory(contact, ordered, funnel.initialStage);
  const replay = new Replay(index, contact, funnel);
  let replayed = 0;
  for (let i = 0; i < ordered.length; i++) {
    const event = ordered[i]!;
    if (isSegmentEvent(event)) continue;
    replayed++;
    const asOf = profileAt(i);
    // A window ending exactly at the event's time is reviewed first: the event sees it ended, as `behaviourHolds` does.
    replay.reviewUntil(event.occurredAt, asOf, true);
    const cause: Cause = { kind: 'event', event };
    for (const segmentId of affectedBy(index, event)) replay.apply(segmentId, cause, asOf);
  }
  replay.reviewUntil(now, contact, true);
  return { states: replay.states, reasons: replay.reasons(), events: replayed };
}

/** The entry that made a contact a member: what its reason is written from, once the replay knows it is kept. */
interface Entry {
  readonly segment: Segment;
  readonly contact: Contact;
  readonly state: SegmentState;
  readonly cause: Cause;
}

/** One contact's replay in progress: a class rather than closures, which a replay would create for every contact. */
class Replay {
  readonly states = new Map<string, SegmentState>();
  // Segment id → the entry of each current membership, in the order `reasons` had them set; explained only at the end.
  private readonly entries = new Map<string, Entry>();
  // The earliest review time of any state, or lower: reviews are looked for only once it is due.
  private earliest: string | undefined;
  // The profile with its initial stage, built once per snapshot rather than per evaluation: a fresh object for every
  // evaluation also missed the condition resolver cached per profile object.
  private lastProfile: Contact | undefined;
  private lastWithStage: Contact;

  constructor(
    private readonly index: SegmentIndex,
    contact: Contact,
    private readonly funnel: Funnel,
  ) {
    this.lastWithStage = contact;
  }

  apply(segmentId: string, cause: Cause, asOf: Contact): void {
    const segment = this.index.segments.get(segmentId)!;
    const prior = this.states.get(segmentId);
    const contact = this.withStage(asOf);
    const state = nextState(segment, prior, contact, cause, this.funnel.stageRank);
    if (state) this.states.set(segmentId, state);
    else this.states.delete(segmentId);
    const reviewAt = state?.reviewAt;
    if (reviewAt !== undefined && (this.earliest === undefined || reviewAt < this.earliest)) this.earliest = reviewAt;
    const member = state?.member ?? false;
    if (member === (prior?.member ?? false)) return;
    if (member) this.entries.set(segmentId, { segment, contact, state: state!, cause });
    else this.entries.delete(segmentId);
  }

  reviewUntil(until: string, asOf: Contact, inclusive: boolean): void {
    const earliest = this.earliest;
    if (earliest === undefined || earliest > until || (!inclusive && earliest === until)) return;
    this.earliest = undefined;
    // Iterating the map itself: `apply` only replaces or deletes the entry being reviewed, which a Map allows.
    for (const segmentId of this.states.keys()) {
      for (let review = 0; review < MAX_REVIEWS_IN_A_ROW; review++) {
        const reviewAt = this.states.get(segmentId)?.reviewAt;
        if (reviewAt === undefined || reviewAt > until || (!inclusive && reviewAt === until)) break;
        this.apply(segmentId, { kind: 'window', at: reviewAt }, asOf);
      }
      const next = this.states.get(segmentId)?.reviewAt;
      if (next !== undefined && (this.earliest === undefined || next < this.earliest)) this.earliest = next;
    }
  }

  /** The reason of each membership, as `evaluateSegment` gave it on entering. */
  reasons(): Map<string, string> {
    const reasons = new Map<string, string>();
    for (const [segmentId, { segment, contact, state, cause }] of this.entries) {
      reasons.set(segmentId, transitionReason(segment, contact, state.memory, state.evaluatedAt, true, cause, this.funnel.stageRank));
    }
    return reasons;
  }

  private withStage(profile: Contact): Contact {
    if (profile !== this.lastProfile) {
      this.lastProfile = profile;
      this.lastWithStage = withInitialStage(profile, this.funnel.initialStage);
    }
    return this.lastWithStage;
  }
}

/** Plain comparison, not localeCompare: ISO times and ULIDs sort by code unit, and a replay sorts every timeline. */
const compare = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

function isSegmentEvent(event: TimelineEvent): boolean {
  return event.type === EventName.SegmentEntered || event.type === EventName.SegmentExited || event.type === EventName.SegmentReviewDue;
}

/**
 * The order the reactor processed the events (`processedAt`), then oldest first: an event and what its reaction
 * derived share `occurredAt`, and the derived one's id may sort first, while the reactor always saw the cause first
 * (as in functions/reports/domain/rebuild.ts).
 */
export function inProcessingOrder(events: readonly TimelineEvent[]): TimelineEvent[] {
  // A stable sort of a list already in order leaves it as it is: checking is cheaper than sorting.
  return isInProcessingOrder(events) ? [...events] : [...events].sort(byProcessing);
}

/** Whether the events are in processing order already, as a timeline usually is stored. */
function isInProcessingOrder(events: readonly TimelineEvent[]): boolean {
  for (let i = 1; i < events.length; i++) if (byProcessing(events[i - 1]!, events[i]!) > 0) return false;
  return true;
}

function byProcessing(a: TimelineEvent, b: TimelineEvent): number {
  return compare(a.processedAt ?? a.occurredAt, b.processedAt ?? b.occurredAt) || compare(a.occurredAt, b.occurredAt) || compare(a.eventId, b.eventId);
}

/**
 * The contact as the reactor loaded it for the i-th event: the current profile with `stage` and `score.total` as they
 * were. A change is written by its cause's reaction, so every event processed after the cause sees it; its cause is
 * `causeEventId` for a stage change, and for a score change the latest event processed before it with the same time
 * (a rescore's change, which has none, takes effect at its own place).
 */
function profileHistory(contact: Contact, ordered: readonly TimelineEvent[], initialStage: string | undefined): (i: number) => Contact {
  if (!changesProfile(ordered)) return () => contact;
  const changes: { effectiveAt: number; stage?: string; score?: number }[] = [];
  let firstStage: string | undefined;
  let firstScore: number | undefined;
  const positions = new Map(ordered.map((event, i) => [event.eventId, i]));
  ordered.forEach((event, i) => {
    if (event.type === EventName.StageChanged) {
      firstStage ??= event.data.from;
      const cause = event.data.causeEventId === undefined ? undefined : positions.get(event.data.causeEventId);
      changes.push({ effectiveAt: cause === undefined || cause > i ? i : cause + 1, stage: event.data.to });
    }
    if (event.type === EventName.ScoreChanged) {
      firstScore ??= event.data.previousTotal;
      changes.push({ effectiveAt: scoreCause(ordered, i) + 1, score: event.data.total });
    }
  });
  changes.sort((a, b) => a.effectiveAt - b.effectiveAt);
  const snapshots: Contact[] = [];
  // Before its first change a profile holds what it was created with: no stage for the initial one, no score for 0.
  let stage = firstStage === undefined ? contact.stage : firstStage === initialStage ? undefined : firstStage;
  let score = firstScore === undefined ? contact.score?.total : firstScore === 0 ? undefined : firstScore;
  let next = 0;
  for (let i = 0; i < ordered.length; i++) {
    while (next < changes.length && changes[next]!.effectiveAt <= i) {
      const change = changes[next++]!;
      if (change.stage !== undefined) stage = change.stage;
      if (change.score !== undefined) score = change.score;
    }
    const previous = snapshots[i - 1];
    snapshots.push(previous && previous.stage === stage && previous.score?.total === score ? previous : withStageAndScore(contact, stage, score));
  }
  return (i) => snapshots[i] ?? contact;
}

/** Whether any event changes the stage or score (a loop: this runs per timeline and usually finds none). */
function changesProfile(ordered: readonly TimelineEvent[]): boolean {
  for (const event of ordered) if (event.type === EventName.StageChanged || event.type === EventName.ScoreChanged) return true;
  return false;
}

/** The position of the event whose reaction wrote the score change at `i` (one before it: the change applies from its own place). */
function scoreCause(ordered: readonly TimelineEvent[], i: number): number {
  const change = ordered[i]!;
  for (let j = i - 1; j >= 0; j--) {
    const candidate = ordered[j]!;
    if (candidate.occurredAt !== change.occurredAt) continue;
    if (candidate.type === EventName.ScoreChanged || candidate.type === EventName.StageChanged || isSegmentEvent(candidate)) continue;
    return j;
  }
  return i - 1;
}

function withStageAndScore(contact: Contact, stage: string | undefined, total: number | undefined): Contact {
  const { stage: _stage, score: _score, stageChangedAt: _at, ...rest } = contact;
  return {
    ...rest,
    ...(stage !== undefined ? { stage } : {}),
    ...(total !== undefined ? { score: { ...(contact.score ?? { version: 0, fit: 0, behaviour: 0, asOf: contact.createdAt, fitRules: [], contributions: [] }), total } } : {}),
  };
}

/** How a stored state differs from the rebuilt one: missing (rebuilt has one, stored not), extra, or changed fields. */
export interface StateDifference {
  readonly contactId: string;
  readonly segmentId: string;
  readonly kind: 'missing' | 'extra' | 'changed';
  /** The fields that differ (`member`, `since`, `memory`), for `changed`. */
  readonly fields: readonly ('member' | 'since' | 'memory')[];
  readonly stored?: SegmentState;
  readonly rebuilt?: SegmentState;
}

/**
 * The differences between a contact's stored states and the rebuilt ones, for the segments given: membership, entry
 * time and remembered behaviour. The evaluation and review times are not compared: a replay evaluates at other
 * moments than the reactor did, and the review time follows from the memory.
 */
export function compareStates(contactId: string, segmentIds: Iterable<string>, stored: ReadonlyMap<string, SegmentState>, rebuilt: ReadonlyMap<string, SegmentState>): StateDifference[] {
  const differences: StateDifference[] = [];
  for (const segmentId of segmentIds) {
    const before = stored.get(segmentId);
    const after = rebuilt.get(segmentId);
    if (!before && !after) continue;
    if (!before) {
      differences.push({ contactId, segmentId, kind: 'missing', fields: [], rebuilt: after! });
      continue;
    }
    if (!after) {
      differences.push({ contactId, segmentId, kind: 'extra', fields: [], stored: before });
      continue;
    }
    const fields: ('member' | 'since' | 'memory')[] = [];
    if (before.member !== after.member) fields.push('member');
    if (before.since !== after.since) fields.push('since');
    if (canonical(before.memory) !== canonical(after.memory)) fields.push('memory');
    if (fields.length) differences.push({ contactId, segmentId, kind: 'changed', fields, stored: before, rebuilt: after });
  }
  return differences;
}

/** A memory as text with its keys sorted, so two equal memories compare equal whatever order they were written in. */
function canonical(memory: Readonly<Record<string, readonly string[]>>): string {
  return JSON.stringify(Object.keys(memory).sort().map((key) => [key, memory[key]]));
}
