import type { Contact, LeadScore } from '../../shared/contact';
import { isoMs } from '../../shared/iso-time';
import type { TimelineEvent } from '../../shared/timeline';
import { matches } from '../../shared/event-matcher';
import type { BehaviourRule, FitCondition, ScoringRules } from './scoring-rules';

const DAY_MS = 86_400_000;
/** Behaviour points that have decayed below this are dropped from the stored score. */
const NEGLIGIBLE = 0.5;
/** The most behaviour contributions a score keeps (newest first); older ones have long decayed. */
const MAX_CONTRIBUTIONS = 200;

export type Contribution = LeadScore['contributions'][number];

/**
 * Rules prepared once per rules object: whole-word patterns and domain lists, so scoring an event builds no regular
 * expression and lowercases no list (rescoring replays millions of events).
 */
interface Compiled {
  readonly words: Map<FitCondition, RegExp>;
  readonly domains: Map<FitCondition, readonly string[]>;
  /** Behaviour rules by the event types they match, in file order. */
  readonly byType: Map<string, BehaviourRule[]>;
}
const compiledRules = new WeakMap<ScoringRules, Compiled>();

function compiled(rules: ScoringRules): Compiled {
  let found = compiledRules.get(rules);
  if (!found) {
    const words = new Map<FitCondition, RegExp>();
    const domains = new Map<FitCondition, readonly string[]>();
    for (const { when } of rules.fit) {
      if ('emailDomainIn' in when) {
        const list = typeof when.emailDomainIn === 'string' ? (rules.domainLists[when.emailDomainIn] ?? []) : when.emailDomainIn;
        domains.set(when, list.map((entry) => entry.toLowerCase()));
      } else if (when.containsAny) {
        // Whole words: "VP" matches "VP Sales" but not "MVP".
        words.set(when, new RegExp(`[^a-z0-9](?:${when.containsAny.map((w) => escapeRegExp(w.toLowerCase())).join('|')})[^a-z0-9]`));
      }
    }
    const byType = new Map<string, BehaviourRule[]>();
    for (const rule of rules.behaviour) {
      for (const type of typeof rule.on.type === 'string' ? [rule.on.type] : rule.on.type) {
        byType.set(type, [...(byType.get(type) ?? []), rule]);
      }
    }
    found = { words, domains, byType };
    compiledRules.set(rules, found);
  }
  return found;
}

/** The last profile's fit, per rules: a profile's attributes and email decide it, and replays reuse them. */
const lastFit = new WeakMap<ScoringRules, { attributes: object; email: string; fit: Pick<LeadScore, 'fit' | 'fitRules'> }>();

/** Fit: the fit rules the profile satisfies, and their sum. */
export function fitOf(rules: ScoringRules, contact: Pick<Contact, 'email' | 'attributes'>): Pick<LeadScore, 'fit' | 'fitRules'> {
  const last = lastFit.get(rules);
  if (last && last.attributes === contact.attributes && last.email === contact.email) return last.fit;
  const prepared = compiled(rules);
  const fitRules: LeadScore['fitRules'] = [];
  let fit = 0;
  for (const rule of rules.fit) {
    if (!holds(rule.when, contact, prepared)) continue;
    fitRules.push({ ruleId: rule.id, points: rule.points });
    fit += rule.points;
  }
  const result = { fit, fitRules };
  lastFit.set(rules, { attributes: contact.attributes, email: contact.email, fit: result });
  return result;
}

function holds(condition: FitCondition, contact: Pick<Contact, 'email' | 'attributes'>, prepared: Compiled): boolean {
  if ('emailDomainIn' in condition) {
    const list = prepared.domains.get(condition) ?? [];
    const domain = contact.email.slice(contact.email.lastIndexOf('@') + 1).toLowerCase();
    return list.some((entry) => domain === entry || domain.endsWith(`.${entry}`));
  }
  const value = contact.attributes[condition.attribute];
  if (value === undefined || value === '') return false;
  if (condition.equals !== undefined && value !== condition.equals) return false;
  if (condition.oneOf && !condition.oneOf.includes(value as string | number)) return false;
  if (condition.containsAny && !prepared.words.get(condition)!.test(` ${String(value).toLowerCase()} `)) return false;
  if (condition.gte !== undefined || condition.lte !== undefined) {
    const number = typeof value === 'number' ? value : Number(String(value).replace(/[\s,$€£]/g, ''));
    if (!Number.isFinite(number)) return false;
    if (condition.gte !== undefined && number < condition.gte) return false;
    if (condition.lte !== undefined && number > condition.lte) return false;
  }
  return true;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Moved to functions/shared (segments parse times as often); kept exported here for scoring's callers. */
export { isoMs };

function timeOf(contribution: Contribution): number {
  return isoMs(contribution.at);
}

/** What a contribution is worth at `atMs` after decay (full value for a time before it, e.g. a late event). */
export function decayed(contribution: Contribution, atMs: number, halfLifeDays: number): number {
  const age = atMs - timeOf(contribution);
  return age <= 0 ? contribution.points : contribution.points * 0.5 ** (age / (halfLifeDays * DAY_MS));
}

/** Behaviour points at `atMs`: every contribution, decayed. */
export function behaviourAt(contributions: readonly Contribution[], atMs: number, halfLifeDays: number): number {
  let sum = 0;
  for (const c of contributions) sum += decayed(c, atMs, halfLifeDays);
  return sum;
}

/** The score of a profile with no event yet: fit only. */
export function initialScore(rules: ScoringRules, contact: Contact, at: string): LeadScore {
  return finish(rules, contact, [], Date.parse(at), at);
}

/** Shared by every event that earns nothing (most of them), never written to. */
const NOTHING_EARNED: { ruleId: string; points: number }[] = [];

export interface Scored {
  readonly score: LeadScore;
  /** Behaviour rules the event earned points from (after caps and once-per limits). */
  readonly earned: readonly { readonly ruleId: string; readonly points: number }[];
}

/**
 * The contact's score after one event: fit re-evaluated on the profile, the event's behaviour points added
 * (respecting each rule's cap and once-per-N-days limit), every behaviour point decayed to the later of the event's
 * time and the previous score's. Pure, and idempotent per event: an event already counted is not counted again.
 */
export function scoreEvent(rules: ScoringRules, contact: Contact, event: TimelineEvent): Scored {
  const previous = contact.score;
  const eventMs = isoMs(event.occurredAt);
  const previousMs = previous ? isoMs(previous.asOf) : -Infinity;
  let contributions = previous?.contributions ?? [];
  let earned: { ruleId: string; points: number }[] = NOTHING_EARNED;
  const candidates = compiled(rules).byType.get(event.type);
  if (candidates) {
    for (const rule of candidates) {
      if (!matches(rule.on, event)) continue;
      const points = pointsFor(rule, contributions, event, eventMs, rules.decay.halfLifeDays);
      if (points === 0) continue;
      // Copied on the first new contribution only: the previous score is never changed.
      if (earned === NOTHING_EARNED) {
        contributions = [...contributions];
        earned = [];
      }
      (contributions as Contribution[]).push({ ruleId: rule.id, points, at: event.occurredAt, eventId: event.eventId });
      earned.push({ ruleId: rule.id, points });
    }
  }
  const asOfMs = Math.max(previousMs, eventMs);
  const asOf = asOfMs === eventMs ? event.occurredAt : previous!.asOf;
  return { score: finish(rules, contact, contributions, asOfMs, asOf), earned };
}

function pointsFor(
  rule: BehaviourRule,
  contributions: readonly Contribution[],
  event: TimelineEvent,
  eventMs: number,
  halfLifeDays: number,
): number {
  // One pass over the rule's own contributions: already counted, inside the once-per window, points still held.
  const window = rule.oncePerDays === undefined ? -1 : rule.oncePerDays * DAY_MS;
  let held = 0;
  for (const c of contributions) {
    if (c.ruleId !== rule.id) continue;
    if (c.eventId === event.eventId) return 0;
    if (window >= 0 && Math.abs(eventMs - timeOf(c)) < window) return 0;
    if (rule.cap !== undefined) held += decayed(c, eventMs, halfLifeDays);
  }
  if (rule.cap === undefined) return rule.points;
  const room = Math.floor(rule.cap - Math.abs(held));
  if (room <= 0) return 0;
  return Math.sign(rule.points) * Math.min(Math.abs(rule.points), room);
}

function finish(rules: ScoringRules, contact: Contact, contributions: readonly Contribution[], asOfMs: number, asOf: string): LeadScore {
  const { halfLifeDays } = rules.decay;
  // The same array when nothing decayed away (the common case): no allocation per event.
  let dropped: Contribution[] | undefined;
  let sum = 0;
  for (let i = 0; i < contributions.length; i++) {
    const c = contributions[i]!;
    const value = decayed(c, asOfMs, halfLifeDays);
    if (Math.abs(value) < NEGLIGIBLE) {
      dropped ??= contributions.slice(0, i);
      continue;
    }
    dropped?.push(c);
    sum += value;
  }
  let kept = dropped ?? contributions;
  if (kept.length > MAX_CONTRIBUTIONS) {
    kept = kept.slice(-MAX_CONTRIBUTIONS);
    sum = behaviourAt(kept, asOfMs, halfLifeDays);
  }
  const { fit, fitRules } = fitOf(rules, contact);
  const behaviour = Math.round(sum);
  return { version: rules.version, fit, behaviour, total: fit + behaviour, asOf, fitRules, contributions: kept as Contribution[] };
}

/** The score as of `now` (behaviour decayed further since the last event), without any new points. */
export function scoreAt(rules: ScoringRules, score: LeadScore, now: Date): LeadScore {
  const nowMs = Math.max(now.getTime(), Date.parse(score.asOf));
  const behaviour = Math.round(behaviourAt(score.contributions, nowMs, rules.decay.halfLifeDays));
  return { ...score, behaviour, total: score.fit + behaviour, asOf: new Date(nowMs).toISOString() };
}

/** A score with its behaviour points cleared (a recycled lead re-earns its way to MQL); fit is kept. */
export function withoutBehaviour(score: LeadScore): LeadScore {
  return { ...score, behaviour: 0, total: score.fit, contributions: [] };
}

/** Whether two scores would store differently (points, rules or contributions; not just the time). */
export function sameScore(a: LeadScore | undefined, b: LeadScore): boolean {
  if (!a) return false;
  return (
    a.version === b.version &&
    a.fit === b.fit &&
    a.behaviour === b.behaviour &&
    a.fitRules.length === b.fitRules.length &&
    a.fitRules.every((r, i) => r.ruleId === b.fitRules[i]!.ruleId && r.points === b.fitRules[i]!.points) &&
    a.contributions.length === b.contributions.length &&
    a.contributions.every((c, i) => c.eventId === b.contributions[i]!.eventId && c.ruleId === b.contributions[i]!.ruleId)
  );
}

export interface ExplanationLine {
  readonly kind: 'fit' | 'behaviour';
  readonly ruleId: string;
  readonly label: string;
  /** Points now (behaviour: after decay, one decimal). */
  readonly points: number;
  /** Behaviour: points when earned, when, and from which event. */
  readonly earned?: number;
  readonly at?: string;
  readonly eventId?: string;
}

export interface Explanation {
  readonly fit: number;
  readonly behaviour: number;
  readonly total: number;
  readonly version: LeadScore['version'];
  readonly asOf: string;
  /** Every contributing rule, biggest effect first: "why is this lead 72?". */
  readonly lines: readonly ExplanationLine[];
}

/** Why the score is what it is at `now`: each fit rule that holds and each behaviour contribution, decayed. */
export function explain(rules: ScoringRules, score: LeadScore, now: Date): Explanation {
  const current = scoreAt(rules, score, now);
  const nowMs = Date.parse(current.asOf);
  const labels = new Map([...rules.fit, ...rules.behaviour].map((r) => [r.id, r.label] as const));
  const lines: ExplanationLine[] = [
    ...score.fitRules.map((r) => ({ kind: 'fit' as const, ruleId: r.ruleId, label: labels.get(r.ruleId) ?? r.ruleId, points: r.points })),
    ...score.contributions.map((c) => ({
      kind: 'behaviour' as const,
      ruleId: c.ruleId,
      label: labels.get(c.ruleId) ?? c.ruleId,
      points: Math.round(decayed(c, nowMs, rules.decay.halfLifeDays) * 10) / 10,
      earned: c.points,
      at: c.at,
      eventId: c.eventId,
    })),
  ].sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
  return { fit: current.fit, behaviour: current.behaviour, total: current.total, version: score.version, asOf: current.asOf, lines };
}

/** One line per contributing rule, for a CRM note: "Budget of $5,000 or more: +20". */
export function explanationText(explanation: Explanation): string {
  const lines = explanation.lines.map((l) => `${l.label}: ${l.points >= 0 ? '+' : ''}${l.points}`);
  return [`Score ${explanation.total} (fit ${explanation.fit}, behaviour ${explanation.behaviour})`, ...lines].join('\n');
}
