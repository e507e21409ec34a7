import { describe, expect, it } from 'vitest';
import { lifecycle, scoringRules, stageRankOf, stageReached } from '../../functions/scoring/domain/content';
import { applyEvent, scoringRule } from '../../functions/scoring/domain/lifecycle-rule';
import { Lifecycle } from '../../functions/shared/lifecycle';
import type { Contact } from '../../functions/shared/contact';
import type { TimelineEvent } from '../../functions/shared/timeline';
import type { Decision, DecisionOf } from '../../functions/capabilities';
import { contactWith, events } from './factories';

const rule = scoringRule(scoringRules, lifecycle);

/** The events an UpdateLifecycle decision appends. */
function appended(decisions: Decision[]): TimelineEvent[] {
  const update = decisions.find((d): d is DecisionOf<'UpdateLifecycle'> => d.type === 'UpdateLifecycle');
  return [...(update?.events ?? [])];
}

/** Applies a timeline in order as the reactor would, returning the contact and the stage moves. */
function run(contact: Contact, timeline: TimelineEvent[]) {
  const moves: { from: string; to: string; reason: string; reopened?: boolean }[] = [];
  let current = contact;
  for (const event of timeline) {
    const outcome = applyEvent(scoringRules, lifecycle, current, event);
    current = { ...current, score: outcome.score, ...(outcome.transition ? { stage: outcome.transition.to } : {}) };
    if (outcome.transition) moves.push(outcome.transition);
  }
  return { contact: current, moves };
}

describe('lifecycle stages', () => {
  it('makes a subscriber a lead on the first form post', () => {
    const { moves } = run(contactWith(), [events.form('2026-03-01T10:00:00.000Z')]);
    expect(moves).toEqual([{ from: 'subscriber', to: 'lead', reason: 'first form post' }]);
  });

  it('makes a lead an MQL when total and fit both reach the agreed threshold', () => {
    const { moves } = run(contactWith({ attributes: { budget: 10000 } }), [events.form('2026-03-01T10:00:00.000Z')]);
    expect(moves).toEqual([{ from: 'subscriber', to: 'mql', reason: 'score 30 ≥ 30 and fit 20 ≥ 15' }]);
  });

  it('keeps a lead with a small budget a lead, however engaged, while fit is below the minimum', () => {
    const { contact } = run(contactWith({ attributes: { budget: 2000 } }), [
      events.form('2026-03-01T10:00:00.000Z'),
      events.tracked('2026-03-01T11:00:00.000Z', 'webinar_attended'),
      events.tracked('2026-03-01T12:00:00.000Z', 'demo_booked'),
    ]);
    expect(contact.stage).toBe('lead');
    expect(contact.score?.total).toBeGreaterThanOrEqual(30);
  });

  it('makes a contact a customer on order_completed, from any earlier stage', () => {
    const { moves } = run(contactWith({ stage: 'lead' }), [events.tracked('2026-03-01T10:00:00.000Z', 'order_completed')]);
    expect(moves).toEqual([{ from: 'lead', to: 'customer', reason: 'order completed' }]);
  });

  it('never moves backwards: a customer posting a form stays a customer', () => {
    const { moves } = run(contactWith({ stage: 'customer' }), [events.form('2026-03-01T10:00:00.000Z')]);
    expect(moves).toEqual([]);
  });

  it('moves to SQL when sales accept, and to customer on closed-won', () => {
    const { moves } = run(contactWith({ stage: 'mql' }), [
      events.feedback('2026-03-01T10:00:00.000Z', 'accepted'),
      events.feedback('2026-03-02T10:00:00.000Z', 'closed_won'),
    ]);
    expect(moves.map((m) => m.to)).toEqual(['sql', 'customer']);
    expect(moves[0]?.reason).toBe('CRM feedback: accepted');
  });

  it('ignores sales accepting a contact that is already a customer', () => {
    expect(run(contactWith({ stage: 'customer' }), [events.feedback('2026-03-01T10:00:00.000Z', 'accepted')]).moves).toEqual([]);
  });

  it('recycles a rejected lead, clearing its behaviour points so it must earn MQL again', () => {
    const start = run(contactWith({ attributes: { budget: 10000 } }), [events.form('2026-03-01T10:00:00.000Z')]).contact;
    const { contact, moves } = run(start, [events.feedback('2026-03-02T10:00:00.000Z', 'rejected')]);
    expect(moves).toEqual([{ from: 'mql', to: 'recycled', reason: 'CRM feedback: rejected' }]);
    expect(contact.score).toMatchObject({ fit: 20, behaviour: 0, total: 20 });
  });

  it('keeps a recycled contact recycled until it engages again, then counts it as reopened', () => {
    const recycled = contactWith({ stage: 'recycled', attributes: { budget: 10000 } });
    const quiet = run(recycled, [events.feedback('2026-03-01T10:00:00.000Z', 'closed_lost')]);
    expect(quiet.moves).toEqual([]);
    const { moves } = run(recycled, [events.tracked('2026-03-05T10:00:00.000Z', 'webinar_attended')]);
    expect(moves).toEqual([{ from: 'recycled', to: 'mql', reason: 'score 35 ≥ 30 and fit 20 ≥ 15', reopened: true }]);
  });

  it('keeps a disqualified contact out of the funnel whatever it does', () => {
    const { moves } = run(contactWith({ stage: 'disqualified', attributes: { budget: 10000 } }), [
      events.form('2026-03-01T10:00:00.000Z'),
      events.tracked('2026-03-01T11:00:00.000Z', 'webinar_attended'),
    ]);
    expect(moves).toEqual([]);
  });
});

describe('the scoring reactor rule', () => {
  it('writes the score and stage with derived score.changed and stage.changed events, in one decision', () => {
    const event = events.form('2026-03-01T10:00:00.000Z', { budget: 10000 });
    const decisions = rule({ event, contact: contactWith({ attributes: { budget: 10000 } }) });
    expect(decisions.map((d) => d.type)).toEqual(['UpdateLifecycle']);
    const update = decisions[0] as Extract<(typeof decisions)[number], { type: 'UpdateLifecycle' }>;
    expect(update.stage).toEqual({ to: 'mql', at: event.occurredAt });
    expect(update.events.map((e) => e.type)).toEqual(['score.changed', 'stage.changed']);
    expect(update.events[1]?.data).toMatchObject({ from: 'subscriber', to: 'mql', causeEventId: event.eventId });
  });

  it('hands off on the committed stage.changed event into MQL, keyed by that event', () => {
    const [, stageChanged] = appended(rule({ event: events.form('2026-03-01T10:00:00.000Z'), contact: contactWith({ attributes: { budget: 10000 } }) }));
    expect(rule({ event: stageChanged!, contact: contactWith({ stage: 'mql' }) })).toEqual([
      { type: 'HandOff', contactId: '01JCONTACT0000000000000000', idempotencyKey: `stage-${stageChanged!.eventId}`, reason: 'score 30 ≥ 30 and fit 20 ≥ 15', source: 'reactor' },
    ]);
  });

  it('decides the same ids on every run, so a redelivered record appends nothing new', () => {
    const event = events.form('2026-03-01T10:00:00.000Z');
    expect(rule({ event, contact: contactWith() })).toEqual(rule({ event, contact: contactWith() }));
  });

  it('decides nothing when an event changes neither score nor stage', () => {
    const contact = run(contactWith(), [events.form('2026-03-01T10:00:00.000Z')]).contact;
    expect(rule({ event: events.tracked('2026-03-01T11:00:00.000Z', 'newsletter_opened'), contact })).toEqual([]);
  });

  it('leaves the re-enrolment of a recycled lead to the journeys\' rule (no journey start from scoring)', () => {
    const feedback = events.feedback('2026-03-02T10:00:00.000Z', 'rejected');
    const stageChanged = appended(rule({ event: feedback, contact: contactWith({ stage: 'mql' }) })).find((e) => e.type === 'stage.changed')!;
    expect(rule({ event: stageChanged, contact: contactWith({ stage: 'recycled' }) }).filter((d: Decision) => d.type === 'StartJourney')).toEqual([]);
  });
});

describe('stage order', () => {
  it('ranks the funnel in order and leaves side stages out of it', () => {
    expect(stageRankOf('subscriber')).toBe(0);
    expect(stageRankOf('sql')).toBe(3);
    expect(stageRankOf(undefined)).toBe(0);
    expect(stageRankOf('recycled')).toBeUndefined();
    expect(stageReached('customer', 'sql')).toBe(true);
    expect(stageReached('mql', 'sql')).toBe(false);
    expect(stageReached('recycled', 'lead')).toBe(false);
  });

  it('rejects a funnel whose feedback names an unknown stage', () => {
    const broken = { ...lifecycle, feedback: { ...lifecycle.feedback, accepted: 'nowhere' } };
    expect(Lifecycle.safeParse(broken).success).toBe(false);
  });
});
