import type { Contact } from '../../shared/contact';
import type { StageRank } from '../../shared/conditions';
import type { AppendEvent, CountMetric } from '../../shared/decisions';
import { EventName } from '../../shared/events';
import { bucketOf } from '../../shared/hash';
import type { TimelineEvent } from '../../shared/timeline';
import type { ReactorState as StateOf, Rule as RuleOf } from '../../reactor/domain/decisions';
import { evaluateSegment, type Cause, type SegmentState } from './membership';
import { behavioursOf, profileConditionsOf, type Segment } from './segment-file';

/** The per-contact state the segment rule needs loaded: the contact's state in every segment it has one in. */
export interface SegmentsState {
  readonly segmentStates: readonly SegmentState[];
}

/** Writes (or, with `state: null`, deletes) the contact's state in one segment: membership, memory, review time. */
export interface SaveSegmentState {
  readonly type: 'SaveSegmentState';
  readonly contactId: string;
  readonly segmentId: string;
  readonly state: SegmentState | null;
}

export type SegmentDecision = SaveSegmentState | AppendEvent | CountMetric;

type Rule = RuleOf<SegmentsState, SegmentDecision>;
type ReactorState = StateOf<SegmentsState>;

/**
 * At most this many segments change in one reaction; the rest are handed to a `segment.review_due` event the
 * reactor processes next. Each change is up to two items of the reactor's one transaction, which DynamoDB caps at
 * 100 items with the other capabilities' writes.
 */
export const MAX_CHANGES_PER_REACTION = 30;

/** Shards of a segment's counters (entered/exited per day, the current size): spread over partitions as event counters are. */
export const SEGMENT_COUNTER_SHARDS = 4;

/** The metric a segment's counters are kept under: `entered`/`exited` per day, `size` on the `current` item. */
export const segmentMetric = (segmentId: string) => `segment.${segmentId}`;

/**
 * Event types that change what profile conditions read, by subject: the writer changes the profile and appends the
 * event in one transaction, so the reaction to the event sees the profile it describes.
 */
const ATTRIBUTE_EVENTS: readonly string[] = [
  EventName.FormSubmitted,
  EventName.Identified,
  EventName.ContactUpserted,
  EventName.ContactUpdated,
  EventName.CrmFeedback,
  EventName.CrmHandedOff,
];
const CONSENT_EVENTS: readonly string[] = [
  EventName.EmailUnsubscribed,
  EventName.EmailSubscribed,
  EventName.ConsentRequested,
  EventName.ConsentConfirmed,
  EventName.FormSubmitted,
  EventName.ContactUpserted,
  EventName.Identified,
];

/**
 * The events after which a profile condition on `subject` may read differently: the subject's own (score, stage,
 * consent, suppression), and every event that creates or rewrites a profile — a contact imported at the initial
 * stage never gets a `stage.changed`, yet `stage == subscriber` holds for it.
 */
function eventsChanging(subject: string): readonly string[] {
  if (subject === 'score' || subject.startsWith('score.')) return [EventName.ScoreChanged, ...ATTRIBUTE_EVENTS];
  if (subject === 'stage') return [EventName.StageChanged, ...ATTRIBUTE_EVENTS];
  if (subject.startsWith('consent.')) return CONSENT_EVENTS;
  if (subject === 'suppressed') return [EventName.EmailBounced, EventName.EmailComplained, ...ATTRIBUTE_EVENTS];
  return ATTRIBUTE_EVENTS;
}

/** Which segments an event can change: by the events their behaviour counts and the profile fields they read. */
export interface SegmentIndex {
  readonly segments: ReadonlyMap<string, Segment>;
  /** Event type, or `track:<name>` for a tracked event → segment ids, in file order. */
  readonly byEvent: ReadonlyMap<string, readonly string[]>;
}

export function indexSegments(segments: ReadonlyMap<string, Segment>): SegmentIndex {
  const byEvent = new Map<string, string[]>();
  const add = (key: string, id: string) => {
    const list = byEvent.get(key) ?? [];
    if (!list.includes(id)) list.push(id);
    byEvent.set(key, list);
  };
  for (const segment of segments.values()) {
    for (const behaviour of behavioursOf(segment.match)) add(behaviour.event.includes('.') ? behaviour.event : `track:${behaviour.event}`, segment.id);
    for (const condition of profileConditionsOf(segment.match)) for (const type of eventsChanging(condition.subject)) add(type, segment.id);
    // A segment a contact with no behaviour at all can be in ("no order in 90 days") is evaluated when the
    // contact is created or changed, or a contact who never acts would never enter it.
    if (holdsForNobodysBehaviour(segment)) for (const type of ATTRIBUTE_EVENTS) add(type, segment.id);
  }
  return { segments, byEvent };
}

/** Whether the tree can hold with no remembered behaviour (profile conditions taken either way). */
function holdsForNobodysBehaviour(segment: Segment): boolean {
  const conditions = profileConditionsOf(segment.match);
  // Each profile condition true or false: 2^n assignments, n small in practice; capped for safety.
  const n = Math.min(conditions.length, 10);
  for (let mask = 0; mask < 1 << n; mask++) {
    const truth = new Map(conditions.slice(0, n).map((condition, i) => [condition, (mask >> i) % 2 === 1]));
    if (holdsWith(segment.match, truth)) return true;
  }
  return false;
}

function holdsWith(node: Segment['match'], truth: ReadonlyMap<unknown, boolean>): boolean {
  if ('all' in node) return node.all.every((child) => holdsWith(child, truth));
  if ('any' in node) return node.any.some((child) => holdsWith(child, truth));
  if ('not' in node) return !holdsWith(node.not, truth);
  if ('event' in node) return false;
  return truth.get(node.where) ?? false;
}

/** The segments an event can change, in file order. */
export function affectedBy(index: SegmentIndex, event: TimelineEvent): readonly string[] {
  if (event.type === EventName.SegmentReviewDue) return event.data.segmentIds.filter((id) => index.segments.has(id));
  // Each list is already in file order without repeats (see indexSegments); only a tracked event has two to merge.
  const byType = index.byEvent.get(event.type) ?? NONE;
  if (event.type !== EventName.Tracked) return byType;
  const byName = index.byEvent.get(`track:${event.data.event}`) ?? NONE;
  if (!byName.length) return byType;
  if (!byType.length) return byName;
  return [...index.segments.keys()].filter((id) => byType.includes(id) || byName.includes(id));
}

const NONE: readonly string[] = [];

/**
 * Segments in the reactor, pure: on every event, re-evaluate only the segments it can change; write the states that
 * changed, and a `segment.entered` / `segment.exited` event (deterministic id, with the reason) per transition. On
 * those events themselves, count them: entered and exited per day, and the segment's size. Time comes from the
 * event, never a clock, so a replay decides the same.
 */
export function segmentRule(segments: ReadonlyMap<string, Segment>, stageRank?: StageRank, initialStage?: string): Rule {
  const index = indexSegments(segments);
  return (state) => [...counting(state), ...evaluations({ ...state, contact: withInitialStage(state.contact, initialStage) }, index, stageRank)];
}

/**
 * The contact with the funnel's initial stage when its profile has none: a new profile is stored without one (absent
 * means initial), and `stage < sql` must hold for it as it does for a contact later moved to `lead`.
 */
export function withInitialStage(contact: Contact, initialStage: string | undefined): Contact {
  return contact.stage === undefined && initialStage !== undefined ? { ...contact, stage: initialStage } : contact;
}

function evaluations(state: ReactorState, index: SegmentIndex, stageRank?: StageRank): SegmentDecision[] {
  const { event, contact, segmentStates = [] } = state;
  const affected = affectedBy(index, event);
  if (!affected.length) return [];
  const cause: Cause = event.type === EventName.SegmentReviewDue ? { kind: 'window', at: event.occurredAt } : { kind: 'event', event };
  const decisions: SegmentDecision[] = [];
  const deferred: string[] = [];
  const evaluated = affected.flatMap((segmentId) => {
    const prior = segmentStates.find((s) => s.segmentId === segmentId);
    const evaluation = evaluateSegment(index.segments.get(segmentId)!, prior, contact, cause, stageRank);
    if (!evaluation.changed && !evaluation.transition) return [];
    // A segment that remembered this event must be written now: a later review would not see the event again.
    const remembered = JSON.stringify(evaluation.state?.memory ?? {}) !== JSON.stringify(prior?.memory ?? {});
    return [{ segmentId, evaluation, remembered }];
  });
  let budget = MAX_CHANGES_PER_REACTION - evaluated.filter((e) => e.remembered).length;
  for (const { segmentId, evaluation, remembered } of evaluated) {
    if (!remembered && budget-- <= 0) {
      deferred.push(segmentId);
      continue;
    }
    decisions.push({ type: 'SaveSegmentState', contactId: contact.contactId, segmentId, state: evaluation.state ?? null });
    if (evaluation.transition) {
      decisions.push({
        type: 'AppendEvent',
        event: {
          eventId: `${event.eventId}.segment-${evaluation.transition.kind}.${segmentId}`,
          contactId: contact.contactId,
          occurredAt: event.occurredAt,
          type: evaluation.transition.kind === 'entered' ? EventName.SegmentEntered : EventName.SegmentExited,
          data: { segmentId, reason: evaluation.transition.reason, causeEventId: event.eventId },
        },
      });
    }
  }
  if (deferred.length) {
    // The rest are evaluated again, at this same moment, by the reaction to this review event.
    decisions.push({
      type: 'AppendEvent',
      event: {
        eventId: `${event.eventId}.segment-review`,
        contactId: contact.contactId,
        occurredAt: event.occurredAt,
        type: EventName.SegmentReviewDue,
        data: { segmentIds: deferred.slice(0, 100) },
      },
    });
  }
  return decisions;
}

/** Counters of a segment, on its own entered/exited events: the day's entered or exited, and the current size. */
function counting({ event }: ReactorState): CountMetric[] {
  if (event.type !== EventName.SegmentEntered && event.type !== EventName.SegmentExited) return [];
  const entered = event.type === EventName.SegmentEntered;
  const metric = segmentMetric(event.data.segmentId);
  const shard = bucketOf(event.eventId, SEGMENT_COUNTER_SHARDS);
  return [
    { type: 'CountMetric', metric, day: event.occurredAt.slice(0, 10), shard, counts: { [entered ? 'entered' : 'exited']: 1 } },
    { type: 'CountMetric', metric, day: 'current', shard, counts: { size: entered ? 1 : -1 } },
  ];
}

