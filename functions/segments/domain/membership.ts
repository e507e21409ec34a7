import * as z from 'zod';
import { evaluate, type StageRank } from '../../shared/conditions';
import type { Contact } from '../../shared/contact';
import { contactSubject, eventMatches } from '../../shared/contact-matching';
import type { TimelineEvent } from '../../shared/timeline';
import { isoMs, isoPlusSeconds } from '../../shared/iso-time';
import { behaviourKey, describeBehaviour, isBehaviour, type BehaviourCondition, type Segment, type SegmentCondition } from './segment-file';

/**
 * A contact's state in one segment, as stored (`SEG#<segmentId>`): whether it is a member and since when, and the
 * behaviour it remembers. A behaviour condition "at least N events within D" needs only the latest N matching
 * events' times, never the timeline: it holds while the N-th latest is less than D old, and stops holding at that
 * time plus D (`reviewAt`, when the sweep looks at the contact again). So the reactor evaluates a segment from one
 * small item, and its memory never grows past N times per condition.
 */
export const SegmentState = z.object({
  segmentId: z.string(),
  contactId: z.string(),
  member: z.boolean(),
  /** When the contact entered (members only). */
  since: z.iso.datetime().optional(),
  /** Behaviour key (`behaviourKey`) → the latest matching events' times, newest first, at most the condition's count. */
  memory: z.record(z.string(), z.array(z.iso.datetime())).default({}),
  /** The next moment a time window can change the answer; the sweep re-evaluates the contact then. */
  reviewAt: z.iso.datetime().optional(),
  evaluatedAt: z.iso.datetime(),
});
export type SegmentState = z.infer<typeof SegmentState>;

export type Memory = Readonly<Record<string, readonly string[]>>;

/**
 * The subjects segment conditions may name: those of journeys (attributes, `stage`, `score`, `tags`, `email`), plus
 * `consent.<topic>` (`subscribed`, `unsubscribed`, `pending`; `unsubscribed` for every topic once the contact left
 * `all`), `time_zone`, `suppressed` (`bounce` or `complaint`) and `created_at`.
 */
export function segmentSubject(contact: Contact) {
  const base = contactSubject(contact);
  return (subject: string): unknown => {
    if (subject.startsWith('consent.')) {
      const topic = subject.slice('consent.'.length);
      if (topic !== 'all' && contact.subscriptions?.all?.status === 'unsubscribed') return 'unsubscribed';
      return contact.subscriptions?.[topic]?.status;
    }
    if (subject === 'time_zone') return contact.attributes.time_zone;
    if (subject === 'suppressed') return contact.suppressed?.reason;
    if (subject === 'created_at') return contact.createdAt;
    return base(subject);
  };
}

/** The memory after `event`: its time added to every behaviour of the segment it matches (and falls within the dates of). */
export function remember(segment: Segment, memory: Memory, event: TimelineEvent, stageRank?: StageRank): Memory {
  let next: Record<string, readonly string[]> | undefined;
  for (const { behaviour, key } of uniqueBehaviours(segment)) {
    if (!eventMatches(event, behaviour.event, behaviour.where, stageRank)) continue;
    if (behaviour.between) {
      const day = event.occurredAt.slice(0, 10);
      if (day < behaviour.between.from || day > behaviour.between.to) continue;
    }
    const times = withTime(memory[key] ?? [], event.occurredAt, behaviour.count);
    if (!times) continue;
    next ??= { ...memory };
    next[key] = times;
  }
  return next ?? memory;
}

/**
 * Newest-first times with `time` in its place, at most `count` of them; undefined when it is older than all `count`
 * kept (nothing changes). Plain comparison: these are all `toISOString()` times, and this runs per matching event.
 */
function withTime(times: readonly string[], time: string, count: number): string[] | undefined {
  let at = 0;
  while (at < times.length && times[at]! >= time) at++;
  if (at >= count) return undefined;
  const next = times.slice(0, at);
  next.push(time);
  for (let i = at; i < times.length && next.length < count; i++) next.push(times[i]!);
  return next;
}

/** Whether a behaviour condition holds at `at` from what is remembered. */
export function behaviourHolds(behaviour: BehaviourCondition, memory: Memory, at: string): boolean {
  return rememberedHolds(behaviour, memory[behaviourKey(behaviour)], at);
}

function rememberedHolds(behaviour: BehaviourCondition, times: readonly string[] | undefined, at: string): boolean {
  if (times === undefined) return false;
  // Newest first: the count-th time no later than `at` decides (a loop, not a filtered copy: this runs per event).
  let seen = 0;
  for (let i = 0; i < times.length; i++) {
    const time = times[i]!;
    if (time > at) continue;
    if (++seen < behaviour.count) continue;
    return behaviour.within === undefined || timeMs(time) + behaviour.within * 1_000 > atMs(at);
  }
  return false;
}

/** Whether a condition tree holds for the contact at `at`. */
export function holds(node: SegmentCondition, contact: Contact, memory: Memory, at: string, stageRank?: StageRank): boolean {
  let test = compiledTrees.get(node);
  if (!test) {
    test = compile(node);
    compiledTrees.set(node, test);
  }
  return test(contact, memory, at, stageRank);
}

type Test = (contact: Contact, memory: Memory, at: string, stageRank: StageRank | undefined) => boolean;

// A tree turned into closures once per parsed condition: walking it told each node's kind apart on every event.
const compiledTrees = new WeakMap<SegmentCondition, Test>();
function compile(node: SegmentCondition): Test {
  if ('all' in node) {
    const children = node.all.map(compile);
    return (contact, memory, at, stageRank) => {
      for (const child of children) if (!child(contact, memory, at, stageRank)) return false;
      return true;
    };
  }
  if ('any' in node) {
    const children = node.any.map(compile);
    return (contact, memory, at, stageRank) => {
      for (const child of children) if (child(contact, memory, at, stageRank)) return true;
      return false;
    };
  }
  if ('not' in node) {
    const child = compile(node.not);
    return (contact, memory, at, stageRank) => !child(contact, memory, at, stageRank);
  }
  if (isBehaviour(node)) {
    const key = behaviourKey(node);
    return (_contact, memory, at) => rememberedHolds(node, memory[key], at);
  }
  const { where } = node;
  return (contact, _memory, _at, stageRank) => evaluate(where, subjectOf(contact), stageRank);
}

/**
 * `compute` with its last argument and answer remembered: a replay asks for the same profile's resolver, and parses
 * the same times, many times in a row, and one remembered entry costs less than a WeakMap or Map entry per key.
 */
function rememberLast<K, V>(compute: (key: K) => V): (key: K) => V {
  let lastKey: K | undefined;
  let last: V | undefined;
  let known = false;
  return (key) => {
    if (!known || key !== lastKey) {
      last = compute(key);
      lastKey = key;
      known = true;
    }
    return last as V;
  };
}

const subjectOf = rememberLast((contact: Contact) => segmentSubject(contact));
// `holds` and then `nextReview` read the same remembered time.
const timeMs = rememberLast(isoMs);
// Every segment an event affects is evaluated at the same time.
const atMs = rememberLast(isoMs);

/**
 * The next moment after `at` when a time window could change the answer: for each "within" condition that has its
 * N events, when the N-th latest becomes too old; an event arriving meanwhile re-evaluates anyway.
 */
export function nextReview(segment: Segment, memory: Memory, at: string): string | undefined {
  let next: number | undefined;
  let from: string | undefined;
  let fromMs = 0;
  let within = 0;
  for (const { behaviour, key } of uniqueBehaviours(segment)) {
    if (behaviour.within === undefined) continue;
    const times = memory[key];
    if (times === undefined || times.length < behaviour.count) continue;
    const time = times[behaviour.count - 1]!;
    const ms = timeMs(time);
    const lapses = ms + behaviour.within * 1_000;
    if (lapses > atMs(at) && (next === undefined || lapses < next)) {
      next = lapses;
      from = time;
      fromMs = ms;
      within = behaviour.within;
    }
  }
  return from === undefined ? undefined : isoPlusSeconds(from, within, fromMs);
}

/** What evaluating one segment for one contact gives: the state to keep (undefined: nothing to keep) and any transition. */
export interface Evaluation {
  readonly state: SegmentState | undefined;
  /** The stored state differs from `state` (a write is needed). */
  readonly changed: boolean;
  readonly transition?: { readonly kind: 'entered' | 'exited'; readonly reason: string };
}

/** Why an evaluation happens: an event of the timeline, or a time window's end (the sweep). */
export type Cause = { readonly kind: 'event'; readonly event: TimelineEvent } | { readonly kind: 'window'; readonly at: string };

/**
 * Evaluates one segment for a contact, from its stored state and the cause: remembers a matching event, decides
 * membership at the cause's time, and says when to look again. Pure: a replay of the same causes gives the same
 * states and transitions.
 */
export function evaluateSegment(segment: Segment, prior: SegmentState | undefined, contact: Contact, cause: Cause, stageRank?: StageRank): Evaluation {
  const state = nextState(segment, prior, contact, cause, stageRank);
  const member = state?.member ?? false;
  const changed = !sameState(prior, state);
  if (member === (prior?.member ?? false)) return { state, changed };
  const reason = transitionReason(segment, contact, state?.memory ?? NOTHING_REMEMBERED, causeTime(cause), member, cause, stageRank);
  return { state, changed, transition: { kind: member ? 'entered' : 'exited', reason } };
}

const NOTHING_REMEMBERED: Memory = Object.freeze({});

const causeTime = (cause: Cause) => (cause.kind === 'event' ? cause.event.occurredAt : cause.at);

/**
 * The state `evaluateSegment` gives, without comparing it with the prior or explaining a transition: a replay needs
 * only the states, and the reason of the memberships it ends with (`transitionReason`).
 */
export function nextState(segment: Segment, prior: SegmentState | undefined, contact: Contact, cause: Cause, stageRank?: StageRank): SegmentState | undefined {
  const at = causeTime(cause);
  // The shared empty memory is read only: a state kept with it gets a fresh one, as it always did.
  const memory = cause.kind === 'event' ? remember(segment, prior?.memory ?? NOTHING_REMEMBERED, cause.event, stageRank) : (prior?.memory ?? NOTHING_REMEMBERED);
  const member = holds(segment.match, contact, memory, at, stageRank);
  const wasMember = prior?.member ?? false;
  // Nothing remembered since the last evaluation and its review still ahead: the same review time (no window can
  // end sooner), without parsing and formatting times again.
  const reviewAt =
    prior && memory === prior.memory && at >= prior.evaluatedAt && (prior.reviewAt === undefined || prior.reviewAt > at) ? prior.reviewAt : nextReview(segment, memory, at);
  if (!member && reviewAt === undefined && !hasKeys(memory)) return undefined;
  // Built field by field rather than with conditional spreads: this runs for every event and segment it affects.
  const kept = (memory === NOTHING_REMEMBERED ? {} : memory) as Record<string, string[]>;
  const state: SegmentState = { segmentId: segment.id, contactId: contact.contactId, member, memory: kept, evaluatedAt: at };
  const since = member ? (wasMember ? prior?.since : at) : undefined;
  if (since) state.since = since;
  if (reviewAt) state.reviewAt = reviewAt;
  return state;
}

function hasKeys(memory: Memory): boolean {
  for (const key in memory) if (Object.hasOwn(memory, key)) return true;
  return false;
}

/** Whether two states are the same for membership, memory and review (the evaluation time alone changes nothing). */
function sameState(a: SegmentState | undefined, b: SegmentState | undefined): boolean {
  if (!a || !b) return a === b;
  return a.member === b.member && a.since === b.since && a.reviewAt === b.reviewAt && sameMemory(a.memory, b.memory);
}

function sameMemory(a: Memory, b: Memory): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => {
    const x = a[key]!;
    const y = b[key];
    return y !== undefined && x.length === y.length && x.every((time, i) => time === y[i]);
  });
}

/**
 * Why a contact entered (`member`) or left a segment, in words: the leaves that hold (on entering) or fail (on
 * leaving), and what caused the evaluation. `memory` is the new state's (empty when none is kept).
 */
export function transitionReason(segment: Segment, contact: Contact, memory: Memory, at: string, member: boolean, cause: Cause, stageRank?: StageRank): string {
  const leaves = leavesOf(segment.match)
    .filter(({ leaf, negated }) => holds(leaf, contact, memory, at, stageRank) !== negated === member)
    .map(({ leaf, negated }) => `${negated ? 'not ' : ''}${describeLeaf(leaf)}`);
  const why = cause.kind === 'window' ? 'a time window ended' : cause.event.type === 'event.tracked' ? cause.event.data.event : cause.event.type;
  return `${why}: ${member ? 'matches' : 'no longer matches'} ${leaves.join('; ') || segment.name}`.slice(0, 500);
}

function describeLeaf(leaf: SegmentCondition): string {
  if (isBehaviour(leaf)) return describeBehaviour(leaf);
  return 'where' in leaf ? leaf.where.text : '';
}

/** Every leaf of a tree, and whether an odd number of `not`s is above it. */
function leavesOf(node: SegmentCondition, negated = false): { leaf: SegmentCondition; negated: boolean }[] {
  if ('all' in node) return node.all.flatMap((child) => leavesOf(child, negated));
  if ('any' in node) return node.any.flatMap((child) => leavesOf(child, negated));
  if ('not' in node) return leavesOf(node.not, !negated);
  return [{ leaf: node, negated }];
}

/** A segment's behaviour conditions, one per key (two identical conditions share their memory), with their keys. */
function uniqueBehaviours(segment: Segment): readonly { readonly behaviour: BehaviourCondition; readonly key: string }[] {
  let cached = uniqueCache.get(segment);
  if (!cached) {
    const seen = new Set<string>();
    cached = [];
    for (const behaviour of behavioursOfSegment(segment)) {
      const key = behaviourKey(behaviour);
      if (seen.has(key)) continue;
      seen.add(key);
      cached.push({ behaviour, key });
    }
    uniqueCache.set(segment, cached);
  }
  return cached;
}

// Per parsed segment: membership runs on every event, and a segment's conditions never change once loaded.
const uniqueCache = new WeakMap<Segment, { behaviour: BehaviourCondition; key: string }[]>();
const behaviourCache = new WeakMap<Segment, BehaviourCondition[]>();
function behavioursOfSegment(segment: Segment): BehaviourCondition[] {
  let cached = behaviourCache.get(segment);
  if (!cached) {
    cached = leavesOf(segment.match).flatMap(({ leaf }) => (isBehaviour(leaf) ? [leaf] : []));
    behaviourCache.set(segment, cached);
  }
  return cached;
}
