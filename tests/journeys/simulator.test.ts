import { describe, expect, it } from 'vitest';
import { loadJourneys } from '../../functions/journeys/domain/journey-file';
import { journeys } from '../../functions/journeys/journeys';
import { stageRankOf } from '../../functions/scoring/domain/content';
import { assign } from '../../functions/experiments/domain/assignment';
import { ExperimentFile } from '../../functions/experiments/domain/experiment-file';
import { InvalidSimulatedContact, simulate, type SimulatedContact, type SimulatedEvent, type SimulationResult } from '../../lib/journeys/simulator';

/** A Monday afternoon: inside every send window, so paths are the journeys' own. */
const start = new Date('2026-11-23T15:00:00.000Z');

const run = (journeyId: string, contact: SimulatedContact, events: SimulatedEvent[] = []) =>
  simulate(journeys.get(journeyId)!, { contact, events, start, stageRank: stageRankOf });

/** The journey's own steps in the order taken, without the compiler's helper states. */
const steps = (result: SimulationResult) => result.path.map((p) => p.state).filter((state) => !state.includes('.'));
const sent = (result: SimulationResult) => result.emails.map((e) => [e.templateId, days(e.at)]);
const days = (iso: string) => (Date.parse(iso) - start.getTime()) / 86_400_000;

describe('budget-router, simulated', () => {
  it('sends a budget under $5,000 through four nurture emails over 14 days when nothing is clicked', async () => {
    const result = await run('budget-router', { attributes: { budget: 4_500, first_name: 'Ada' } });

    expect(result.status).toBe('completed');
    expect(sent(result)).toEqual([['nurture-1', 0], ['nurture-2', 3], ['nurture-3', 7], ['nurture-4', 11]]);
    expect(steps(result).at(-1)).toBe('sequence-done');
    expect(days(result.path.at(-1)!.at)).toBe(14);
    expect(result.handOffs).toEqual([]);
  });

  it('hands a budget of $5,000 or more to the CRM and tells the contact a rep will call, with no nurture', async () => {
    const result = await run('budget-router', { attributes: { budget: 5_000 } });

    expect(steps(result)).toEqual(['route-by-budget', 'hand-off-to-sales', 'rep-will-call']);
    expect(result.handOffs).toEqual([expect.objectContaining({ reason: 'Budget of $5,000 or more on a demo request' })]);
    expect(sent(result)).toEqual([['rep-will-call', 0]]);
  });

  it('explains a branch with the contact\'s value and where it leads', async () => {
    const sales = await run('budget-router', { attributes: { budget: 9_000 } });
    const nurture = await run('budget-router', { attributes: { budget: 2_000 } });
    const none = await run('budget-router', { attributes: {} });

    const noteOf = (result: SimulationResult) => result.path.find((p) => p.state === 'route-by-budget')?.note;
    expect(noteOf(sales)).toBe('budget (9000) >= 5000: hand-off-to-sales');
    expect(noteOf(nurture)).toBe('no case holds (budget 2000): otherwise nurture-1');
    expect(noteOf(none)).toBe('no case holds (budget missing): otherwise nurture-1');
  });

  it('takes flat attributes as a shorthand for {"attributes": {...}}', async () => {
    const result = await run('budget-router', { budget: 9_000, stage: 'lead' });

    expect(steps(result)).toEqual(['route-by-budget', 'hand-off-to-sales', 'rep-will-call']);
  });

  it('refuses a contact with keys beside "attributes" instead of ignoring them, naming the expected shape', async () => {
    await expect(run('budget-router', { attributes: {}, budget: 9_000 })).rejects.toThrow(
      /The contact is not in the expected shape: .*budget.*Expected \{"attributes":\{"budget":9000\}\}/,
    );
    await expect(run('budget-router', { attributes: { budget: { amount: 9_000 } } })).rejects.toThrow(InvalidSimulatedContact);
  });

  it('nurtures a contact who gave no budget at all', async () => {
    const result = await run('budget-router', { attributes: {} });

    expect(steps(result).slice(0, 2)).toEqual(['route-by-budget', 'nurture-1']);
  });

  it('jumps to the demo offer when an email is clicked, skipping the rest of the sequence', async () => {
    const result = await run('budget-router', { attributes: { budget: 2_000 } }, [
      { at: '+4d', type: 'email.clicked', data: { templateId: 'nurture-2', machine: false } },
    ]);

    expect(sent(result)).toEqual([['nurture-1', 0], ['nurture-2', 3], ['demo-offer', 4]]);
    expect(steps(result).at(-1)).toBe('offer-sent');
  });

  it('ignores a click on another email and clicks by link scanners', async () => {
    const result = await run('budget-router', { attributes: { budget: 2_000 } }, [
      { at: '+1d', type: 'email.clicked', data: { templateId: 'nurture-3', machine: false } },
      { at: '+1d', type: 'email.clicked', data: { templateId: 'nurture-1', machine: true } },
    ]);

    expect(sent(result).map(([template]) => template)).toEqual(['nurture-1', 'nurture-2', 'nurture-3', 'nurture-4']);
  });

  it('ends as soon as the goal is reached: a demo booked on day 1', async () => {
    const result = await run('budget-router', { attributes: { budget: 2_000 } }, [{ at: '+1d', event: 'demo_booked' }]);

    expect(result.status).toBe('exited');
    expect(result.exit).toMatchObject({ reason: 'goal', detail: 'event demo_booked' });
    expect(sent(result)).toEqual([['nurture-1', 0]]);
  });

  it('ends when the contact unsubscribes from nurture emails', async () => {
    const result = await run('budget-router', { attributes: { budget: 2_000 } }, [
      { at: '+5d', type: 'email.unsubscribed', data: { topic: 'nurture', source: 'one-click' } },
    ]);

    expect(result.exit).toMatchObject({ reason: 'unsubscribed' });
    expect(sent(result).map(([template]) => template)).toEqual(['nurture-1', 'nurture-2']);
  });
});

describe('welcome, simulated', () => {
  it('welcomes now, then sends tips in the contact\'s morning of day 2 and day 5', async () => {
    const result = await run('welcome', { attributes: { first_name: 'Lin', time_zone: 'Asia/Tokyo' } });

    expect(result.emails.map((e) => e.templateId)).toEqual(['welcome', 'tips-day-2', 'tips-day-5']);
    // Signed up at 00:00 Tuesday in Tokyo (day 1): tips at 08:00 Wednesday and 08:00 Saturday, Tokyo time (23:00 UTC the day before).
    expect(result.emails.slice(1).map((e) => e.at)).toEqual(['2026-11-24T23:00:00.000Z', '2026-11-27T23:00:00.000Z']);
  });

  it.each([
    ['morning', '2026-11-23T09:00:00.000Z'],
    ['afternoon', '2026-11-23T15:00:00.000Z'],
  ])('sends tips on the next local morning and on day 5 after a %s sign-up', async (_when, signedUp) => {
    // Prepare: a Monday in London (UTC in November)
    const result = await simulate(journeys.get('welcome')!, { contact: { attributes: { time_zone: 'Europe/London' } }, start: new Date(signedUp), stageRank: stageRankOf });

    // Assess: Tuesday 08:00 (day 2) and Friday 08:00 (day 5)
    expect(result.emails.map((e) => [e.templateId, e.at])).toEqual([
      ['welcome', signedUp],
      ['tips-day-2', '2026-11-24T08:00:00.000Z'],
      ['tips-day-5', '2026-11-27T08:00:00.000Z'],
    ]);
  });
});

describe('welcome for a double opt-in still pending, simulated', () => {
  const pending = { attributes: { first_name: 'Pia', time_zone: 'Europe/London' }, subscriptions: { newsletter: { status: 'pending' as const } } };

  it('waits for consent.confirmed, then welcomes and runs the tips from the confirmation on', async () => {
    // Act: confirmed two hours after signing up (Monday 17:00 in London)
    const result = await run('welcome', pending, [{ at: '+2h', type: 'consent.confirmed', data: { topic: 'newsletter', formId: 'newsletter' } }]);

    // Assess
    expect(result.status).toBe('completed');
    expect(result.emails.map((e) => [e.templateId, e.at])).toEqual([
      ['welcome', '2026-11-23T17:00:00.000Z'],
      ['tips-day-2', '2026-11-24T08:00:00.000Z'],
      ['tips-day-5', '2026-11-27T08:00:00.000Z'],
    ]);
    expect(result.skipped).toEqual([]);
    expect(result.path.map((p) => p.state).slice(0, 4)).toEqual(['welcome-email', 'welcome-email.deferred?', 'welcome-email.confirmation', 'welcome-email']);
  });

  it('exits as unconfirmed after 30 days without a confirmation, sending and skipping nothing', async () => {
    const result = await run('welcome', pending);

    expect(result.status).toBe('exited');
    expect(result.exit).toEqual({ reason: 'unconfirmed', detail: 'newsletter double opt-in not confirmed within 30d (step welcome-email)', at: '2026-12-23T15:00:00.000Z' });
    expect(result.emails).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(steps(result)).toEqual(['welcome-email']);
  });

  it('ignores the confirmation of another topic', async () => {
    const result = await run('welcome', pending, [{ at: '+1h', type: 'consent.confirmed', data: { topic: 'product', formId: 'other' } }]);

    expect(result.exit?.reason).toBe('unconfirmed');
  });

  it('does not wait for a contact already subscribed, nor for one without any consent record', async () => {
    const subscribed = await run('welcome', { ...pending, subscriptions: { newsletter: { status: 'subscribed' } } });
    const softOptIn = await run('welcome', { attributes: pending.attributes });

    for (const result of [subscribed, softOptIn]) {
      expect(result.emails.map((e) => e.templateId)).toEqual(['welcome', 'tips-day-2', 'tips-day-5']);
      expect(result.path.some((p) => p.state.endsWith('.confirmation'))).toBe(false);
    }
  });
});

describe('update_contact with a stage, simulated', () => {
  const staging = loadJourneys({
    'staging.yaml': {
      id: 'staging',
      name: 'Staging',
      triggers: [{ on: 'webhook' }],
      steps: [
        { id: 'promote', type: 'update_contact', stage: 'mql' },
        { id: 'is-mql', type: 'branch', cases: [{ when: ['stage == mql'], next: 'done' }], otherwise: 'done' },
        { id: 'done', type: 'exit' },
      ],
    },
  }).get('staging')!;

  it('moves the contact forward under the funnel\'s rules, and never back', async () => {
    const forward = await simulate(staging, { contact: { stage: 'lead', attributes: {} }, start, stageRank: stageRankOf });
    const back = await simulate(staging, { contact: { stage: 'sql', attributes: {} }, start, stageRank: stageRankOf });

    expect(forward.path.find((p) => p.state === 'promote')?.note).toBe('stage lead → mql');
    expect(forward.path.find((p) => p.state === 'is-mql')?.note).toBe('stage (mql) == mql: done');
    expect(back.path.find((p) => p.state === 'promote')?.note).toBe('stays sql: the funnel does not move back to mql');
  });
});

describe('cart-recovery, simulated', () => {
  it('reminds after an hour and again a day later when no order comes', async () => {
    const result = await run('cart-recovery', { attributes: {} });

    expect(result.emails.map((e) => [e.templateId, (Date.parse(e.at) - start.getTime()) / 3_600_000])).toEqual([
      ['cart-reminder-1', 1],
      ['cart-reminder-2', 25],
    ]);
  });

  it('sends nothing when the order completes within the hour', async () => {
    const result = await run('cart-recovery', { attributes: {} }, [{ at: '+30m', event: 'order_completed' }]);

    expect(result.status).toBe('exited');
    expect(result.emails).toEqual([]);
  });

  it('sends the first reminder only when the order completes between the two', async () => {
    const result = await run('cart-recovery', { attributes: {} }, [{ at: '+5h', event: 'order_completed' }]);

    expect(result.emails.map((e) => e.templateId)).toEqual(['cart-reminder-1']);
  });
});

describe('trial-expiry, simulated', () => {
  it('warns three days before the trial ends, then again on the day', async () => {
    // The sweep starts the journey on trial_ends_at − 3 days.
    const result = await run('trial-expiry', { attributes: { trial_ends_at: '2026-11-26' } });

    expect(result.emails.map((e) => [e.templateId, e.at])).toEqual([
      ['trial-ending-soon', start.toISOString()],
      ['trial-ends-today', '2026-11-26T00:00:00.000Z'],
    ]);
  });

  it('skips the wait when the date has passed', async () => {
    const result = await run('trial-expiry', { attributes: { trial_ends_at: '2026-11-01' } });

    expect(result.emails.map((e) => e.at)).toEqual([start.toISOString(), start.toISOString()]);
  });
});

describe('a send_email step with an experiment, simulated', () => {
  // The welcome journey with its first email under test, half of the contacts held out.
  const experiment = ExperimentFile.parse({
    id: 'welcome-simulated',
    name: 'Welcome subject',
    hypothesis: 'A first-step subject gets more clicks.',
    arms: [{ id: 'greeting' }, { id: 'first-step', subject: "{{ contact.first_name | default: 'Hi' }}, your first form" }],
    holdout: 0.5,
    decision: { baselineRate: 0.08, minimumDetectableLift: 0.25 },
  });
  const welcome = journeys.get('welcome')!;
  const journey = { ...welcome, steps: welcome.steps.map((step) => (step.id === 'welcome-email' ? { ...step, experiment: experiment.id } : step)) } as typeof welcome;
  const contactIn = (arm: string) => Array.from({ length: 100 }, (_, i) => `SIM${i}`).find((id) => assign(experiment, id).arm === arm)!;
  const simulateAs = (contactId: string) =>
    simulate(journey, { contact: { contactId, attributes: { time_zone: 'Europe/London' } }, start, stageRank: stageRankOf, experiments: new Map([[experiment.id, experiment]]) });

  it('reports the arm the contact is assigned, the same on every run', async () => {
    const contactId = contactIn('first-step');

    const [first, again] = [await simulateAs(contactId), await simulateAs(contactId)];

    expect(first.emails[0]).toMatchObject({ stepId: 'welcome-email', templateId: 'welcome', experiment: { id: experiment.id, arm: 'first-step' } });
    expect(again.emails[0]).toEqual(first.emails[0]);
    expect(first.path.find((p) => p.state === 'welcome-email')?.note).toBe('would send welcome (experiment welcome-simulated, arm first-step)');
  });

  it('sends a held-out contact nothing at that step, and the journey goes on', async () => {
    const result = await simulateAs(contactIn('holdout'));

    expect(result.skipped).toEqual([expect.objectContaining({ stepId: 'welcome-email', reason: 'holdout', experiment: { id: experiment.id, arm: 'holdout' } })]);
    expect(result.emails.map((e) => e.templateId)).toEqual(['tips-day-2', 'tips-day-5']);
  });
});
