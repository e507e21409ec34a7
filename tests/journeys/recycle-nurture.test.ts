import { describe, expect, it } from 'vitest';
import { journeys } from '../../functions/journeys/journeys';
import { lifecycle, stageRankOf } from '../../functions/scoring/domain/content';
import { simulate, type SimulatedContact, type SimulatedEvent, type SimulationResult } from '../../lib/journeys/simulator';

/** A Monday afternoon: inside every send window, so paths are the journey's own. */
const start = new Date('2026-11-23T15:00:00.000Z');

const run = (contact: SimulatedContact, events: SimulatedEvent[] = []) =>
  simulate(journeys.get('recycle-nurture')!, { contact, events, start, stageRank: stageRankOf });

const steps = (result: SimulationResult) => result.path.map((p) => p.state).filter((state) => !state.includes('.'));
const sent = (result: SimulationResult) => result.emails.map((e) => [e.templateId, days(e.at)]);
const days = (iso: string) => (Date.parse(iso) - start.getTime()) / 86_400_000;

/** A lead sales rejected: recycled, with the big budget that sent it to sales in the first place. */
const recycled: SimulatedContact = { attributes: { budget: 10_000, first_name: 'Dana' }, stage: 'recycled' };

describe('recycle-nurture, simulated', () => {
  it('is the journey recycled leads are re-enrolled in', () => {
    expect(lifecycle.recycle?.journey).toBe('recycle-nurture');
  });

  it('pauses a week, then sends three nurture emails two weeks apart and never hands the lead to sales, whatever its budget', async () => {
    const result = await run(recycled);

    expect(result.status).toBe('completed');
    expect(sent(result)).toEqual([['nurture-2', 7], ['nurture-3', 21], ['nurture-4', 35]]);
    expect(steps(result).at(-1)).toBe('sequence-done');
    expect(result.handOffs).toEqual([]);
  });

  it('jumps to the demo offer when a recycle email is clicked, skipping the rest', async () => {
    const result = await run(recycled, [{ at: '+8d', type: 'email.clicked', data: { templateId: 'nurture-2', machine: false } }]);

    expect(sent(result)).toEqual([['nurture-2', 7], ['demo-offer', 8]]);
    expect(steps(result).at(-1)).toBe('offer-sent');
    expect(result.handOffs).toEqual([]);
  });

  it('ignores clicks by link scanners', async () => {
    const result = await run(recycled, [{ at: '+8d', type: 'email.clicked', data: { templateId: 'nurture-2', machine: true } }]);

    expect(sent(result).map(([template]) => template)).toEqual(['nurture-2', 'nurture-3', 'nurture-4']);
  });

  it('ends when the lead books a demo', async () => {
    const result = await run(recycled, [{ at: '+10d', event: 'demo_booked' }]);

    expect(result.exit).toMatchObject({ reason: 'goal', detail: 'event demo_booked' });
    expect(sent(result)).toEqual([['nurture-2', 7]]);
  });

  it('sends nothing to a lead sales qualified again before the first email (goal stage >= sql)', async () => {
    const result = await run({ ...recycled, stage: 'sql' });

    expect(result.exit).toMatchObject({ reason: 'goal', detail: 'stage >= sql' });
    expect(sent(result)).toEqual([]);
  });

  it('ends when the contact unsubscribes from nurture emails', async () => {
    const result = await run(recycled, [{ at: '+9d', type: 'email.unsubscribed', data: { topic: 'nurture', source: 'one-click' } }]);

    expect(result.exit).toMatchObject({ reason: 'unsubscribed' });
    expect(sent(result).map(([template]) => template)).toEqual(['nurture-2']);
  });
});
