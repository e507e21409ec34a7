import { describe, expect, it } from 'vitest';
import { scoringRules } from '../../functions/scoring/domain/content';
import { explain, fitOf, isoMs, scoreAt, scoreEvent } from '../../functions/scoring/domain/score';
import { ScoringRules } from '../../functions/scoring/domain/scoring-rules';
import type { Contact } from '../../functions/shared/contact';
import type { TimelineEvent } from '../../functions/shared/timeline';
import { contactWith, events } from './factories';

/** Scores a timeline in order, as the reactor does event by event. */
function scoreAll(contact: Contact, timeline: TimelineEvent[], rules = scoringRules): Contact {
  let current = contact;
  for (const event of timeline) current = { ...current, score: scoreEvent(rules, current, event).score };
  return current;
}

describe('fit rules', () => {
  it('adds points for a senior title, company size and budget from the profile attributes', () => {
    const fit = fitOf(scoringRules, contactWith({ attributes: { job_title: 'VP Marketing', company_size: '250', budget: 10000 } }));
    expect(fit.fit).toBe(45);
    expect(fit.fitRules.map((r) => r.ruleId)).toEqual(['senior-title', 'company-size-200', 'budget-5000']);
  });

  it('matches title words whole, case-insensitively ("MVP" is not "VP")', () => {
    expect(fitOf(scoringRules, contactWith({ attributes: { job_title: 'mvp builder' } })).fit).toBe(0);
    expect(fitOf(scoringRules, contactWith({ attributes: { job_title: 'director of sales' } })).fit).toBe(15);
  });

  it('takes points away for free-mail and competitor domains', () => {
    expect(fitOf(scoringRules, contactWith({ email: 'ada@gmail.com' })).fit).toBe(-10);
    expect(fitOf(scoringRules, contactWith({ email: 'spy@competitor.example' })).fit).toBe(-50);
  });

  it('scores a budget just under the line as nothing', () => {
    expect(fitOf(scoringRules, contactWith({ attributes: { budget: 4999 } })).fit).toBe(0);
  });
});

describe('behaviour rules', () => {
  it('adds the points of each matching event and keeps fit, behaviour and total apart', () => {
    const contact = scoreAll(contactWith({ attributes: { budget: 6000 } }), [
      events.form('2026-03-01T10:00:00.000Z'),
      events.page('2026-03-01T10:05:00.000Z', '/pricing'),
      events.tracked('2026-03-01T10:06:00.000Z', 'webinar_attended'),
    ]);
    expect(contact.score).toMatchObject({ fit: 20, behaviour: 35, total: 55 });
  });

  it('caps a rule: email clicks never hold more than 25 points', () => {
    const clicks = Array.from({ length: 10 }, (_, i) => events.click(`2026-03-01T10:0${i}:00.000Z`));
    const contact = scoreAll(contactWith(), clicks);
    expect(contact.score?.behaviour).toBe(25);
  });

  it('ignores machine clicks (link scanners)', () => {
    const contact = scoreAll(contactWith(), [events.click('2026-03-01T10:00:00.000Z', true)]);
    expect(contact.score?.behaviour).toBe(0);
  });

  it('counts a once-per-day rule once within a day and again the next day', () => {
    const contact = scoreAll(contactWith(), [
      events.page('2026-03-01T09:00:00.000Z', '/pricing'),
      events.page('2026-03-01T15:00:00.000Z', '/pricing/enterprise'),
      events.page('2026-03-02T10:00:00.000Z', '/pricing'),
    ]);
    expect(contact.score?.contributions.map((c) => c.at)).toEqual(['2026-03-01T09:00:00.000Z', '2026-03-02T10:00:00.000Z']);
  });

  it('never counts the same event twice', () => {
    const form = events.form('2026-03-01T10:00:00.000Z');
    const contact = scoreAll(contactWith(), [form, form]);
    expect(contact.score?.behaviour).toBe(10);
  });

  it('takes 20 points away on unsubscribe', () => {
    const unsubscribe = { ...events.form('2026-03-01T11:00:00.000Z'), type: 'email.unsubscribed', data: { topic: 'all', source: 'one-click' } } as TimelineEvent;
    const contact = scoreAll(contactWith(), [events.tracked('2026-03-01T10:00:00.000Z', 'webinar_attended'), unsubscribe]);
    expect(contact.score?.behaviour).toBe(-5);
  });
});

describe('decay', () => {
  it('halves behaviour points every half-life while fit stays', () => {
    const contact = scoreAll(contactWith({ attributes: { budget: 9000 } }), [events.tracked('2026-03-01T00:00:00.000Z', 'demo_booked')]);
    const later = scoreAt(scoringRules, contact.score!, new Date('2026-03-31T00:00:00.000Z'));
    expect(later).toMatchObject({ fit: 20, behaviour: 10, total: 30 });
  });

  it('decays points to the time of each new event, and forgets points that decayed to nothing', () => {
    const contact = scoreAll(contactWith(), [
      events.form('2026-01-01T00:00:00.000Z'),
      events.tracked('2027-01-01T00:00:00.000Z', 'webinar_attended'),
    ]);
    expect(contact.score?.contributions.map((c) => c.ruleId)).toEqual(['webinar']);
    expect(contact.score?.behaviour).toBe(15);
  });

  it('frees room under a cap as old points decay', () => {
    const early = Array.from({ length: 5 }, (_, i) => events.click(`2026-03-01T10:0${i}:00.000Z`));
    const contact = scoreAll(contactWith(), [...early, events.click('2026-04-30T10:00:00.000Z')]);
    // 25 points decayed over 60 days (two half-lives) hold 6.25; the new click earns its full 5.
    expect(contact.score?.contributions.at(-1)?.points).toBe(5);
  });
});

describe('explanation', () => {
  it('lists every contributing rule with its points now and when it was earned', () => {
    const contact = scoreAll(contactWith({ attributes: { budget: 6000 } }), [events.tracked('2026-03-01T00:00:00.000Z', 'webinar_attended')]);
    const explanation = explain(scoringRules, contact.score!, new Date('2026-03-31T00:00:00.000Z'));
    expect(explanation.total).toBe(28);
    expect(explanation.lines).toEqual([
      { kind: 'fit', ruleId: 'budget-5000', label: 'Budget of $5,000 or more', points: 20 },
      expect.objectContaining({ kind: 'behaviour', ruleId: 'webinar', points: 7.5, earned: 15, at: '2026-03-01T00:00:00.000Z' }),
    ]);
  });
});

describe('the scoring file', () => {
  it('rejects duplicate rule ids and unknown domain lists', () => {
    const result = ScoringRules.safeParse({
      version: 2,
      decay: { halfLifeDays: 30 },
      fit: [
        { id: 'a', label: 'A', points: 1, when: { emailDomainIn: 'nope' } },
        { id: 'a', label: 'A again', points: 1, when: { attribute: 'x', gte: 1 } },
      ],
      behaviour: [],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual(expect.arrayContaining(['duplicate rule id "a"', 'unknown domain list "nope"']));
  });

  it('rejects a fit rule without any test', () => {
    const result = ScoringRules.safeParse({ version: 1, decay: { halfLifeDays: 30 }, fit: [{ id: 'a', label: 'A', points: 1, when: { attribute: 'x' } }], behaviour: [] });
    expect(result.success).toBe(false);
  });
});

describe('timestamps', () => {
  it('reads every toISOString() time as Date.parse does, and hands anything else to Date.parse', () => {
    for (let ms = -62_000_000_000_000; ms < 253_000_000_000_000; ms += 987_654_321_123) {
      const iso = new Date(ms).toISOString();
      if (iso.length === 24) expect(isoMs(iso)).toBe(ms);
    }
    for (const odd of ['2026-02-30T00:00:00.000Z', '2026-11-25T12:00:00Z', '2026-11-25T12:00:00.000+01:00', '2026-1x-25T12:00:00.000Z', 'soon']) {
      expect(Object.is(isoMs(odd), Date.parse(odd)) || (Number.isNaN(isoMs(odd)) && Number.isNaN(Date.parse(odd)))).toBe(true);
    }
  });
});
