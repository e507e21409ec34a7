import { describe, expect, it } from 'vitest';
import { assign } from '../../functions/experiments/domain/assignment';
import { differenceInterval, probabilityToBeBest, sequentialTest, wilsonInterval } from '../../functions/experiments/domain/statistics';
import { experiment, seeded } from './simulation';

describe('experiment statistics', () => {
  it('gives a Wilson interval that stays inside [0, 1] and is wide for zero clicks of a few sends', () => {
    const none = wilsonInterval({ trials: 50, successes: 0 });
    const typical = wilsonInterval({ trials: 1_000, successes: 40 });

    expect(none.low).toBe(0);
    expect(none.high).toBeCloseTo(0.0713, 3);
    expect(typical.low).toBeCloseTo(0.0295, 3);
    expect(typical.high).toBeCloseTo(0.0541, 3);
  });

  it('gives the difference of two rates an interval that holds the observed difference', () => {
    const interval = differenceInterval({ trials: 2_000, successes: 80 }, { trials: 2_000, successes: 120 });

    expect(interval.low).toBeGreaterThan(0.005);
    expect(interval.high).toBeLessThan(0.035);
  });

  it('computes the probability to be best by integration, agreeing with a seeded Monte Carlo of the posteriors', () => {
    const tallies = [{ trials: 1_000, successes: 40 }, { trials: 1_000, successes: 52 }, { trials: 900, successes: 45 }];
    const exact = probabilityToBeBest(tallies);
    const random = seeded(7);
    const gamma = (shape: number): number => {
      // Marsaglia–Tsang, for shape ≥ 1.
      const d = shape - 1 / 3;
      const c = 1 / Math.sqrt(9 * d);
      for (;;) {
        const normal = Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
        const v = (1 + c * normal) ** 3;
        if (v > 0 && Math.log(random() || 1e-12) < 0.5 * normal * normal + d - d * v + d * Math.log(v)) return d * v;
      }
    };
    const wins = [0, 0, 0];
    const draws = 40_000;
    for (let i = 0; i < draws; i++) {
      const samples = tallies.map(({ trials, successes }) => {
        const x = gamma(1 + successes);
        return x / (x + gamma(1 + trials - successes));
      });
      wins[samples.indexOf(Math.max(...samples))]!++;
    }

    exact.forEach((probability, arm) => expect(probability).toBeCloseTo(wins[arm]! / draws, 1));
    expect(exact.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 9);
  });

  it('gives two identical arms an even chance to be best, and the same answer on every call', () => {
    const tallies = [{ trials: 3_000, successes: 120 }, { trials: 3_000, successes: 120 }];

    expect(probabilityToBeBest(tallies)[0]).toBeCloseTo(0.5, 6);
    expect(probabilityToBeBest(tallies)).toEqual(probabilityToBeBest(tallies));
  });

  it('gives an arm with no sends yet a fair chance rather than none', () => {
    const [empty] = probabilityToBeBest([{ trials: 0, successes: 0 }, { trials: 500, successes: 20 }]);

    expect(empty).toBeGreaterThan(0.9);
  });

  it('makes the sequential test’s interval cover the observed difference and shrink with more sends', () => {
    const small = sequentialTest({ trials: 500, successes: 20 }, { trials: 500, successes: 30 }, 0.02, 0.05);
    const large = sequentialTest({ trials: 5_000, successes: 200 }, { trials: 5_000, successes: 300 }, 0.02, 0.05);

    expect(small.interval.low).toBeLessThan(small.difference);
    expect(small.interval.high).toBeGreaterThan(small.difference);
    expect(large.interval.high - large.interval.low).toBeLessThan(small.interval.high - small.interval.low);
    expect(large.pValue).toBeLessThan(0.05);
    expect(small.pValue).toBeGreaterThan(0.05);
  });
});

describe('assigning contacts to arms', () => {
  it('puts the same contact in the same arm every time, and splits contacts by the holdout share and weights', () => {
    const file = experiment({ holdout: 0.1, arms: [{ id: 'control', weight: 1 }, { id: 'question', weight: 3 }] });
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const contactId = `01JCONTACT${String(i).padStart(8, '0')}`;
      const { arm } = assign(file, contactId);
      expect(assign(file, contactId).arm).toBe(arm);
      counts.set(arm, (counts.get(arm) ?? 0) + 1);
    }

    expect((counts.get('holdout') ?? 0) / 20_000).toBeCloseTo(0.1, 1);
    expect((counts.get('control') ?? 0) / 20_000).toBeCloseTo(0.225, 1);
    expect((counts.get('question') ?? 0) / 20_000).toBeCloseTo(0.675, 1);
  });

  it('assigns a contact independently in two experiments', () => {
    const first = experiment({ id: 'first' });
    const second = experiment({ id: 'second' });
    let same = 0;
    for (let i = 0; i < 4_000; i++) if (assign(first, `c${i}`).arm === assign(second, `c${i}`).arm) same++;

    expect(same / 4_000).toBeGreaterThan(0.45);
    expect(same / 4_000).toBeLessThan(0.55);
  });

  it('keeps the assignment of a contact fixed forever: a change to the hash would move contacts mid-test', () => {
    const file = experiment({ holdout: 0.1 });

    expect(['01HZX3K9Q2WJ8V4T6N5M7R1B0C', '01HZX3K9Q2WJ8V4T6N5M7R1B0D', 'contact-1'].map((contactId) => assign(file, contactId).arm)).toEqual([
      'holdout',
      'question',
      'control',
    ]);
  });
});
