import { describe, expect, it } from 'vitest';
import { decide, planSample } from '../../functions/experiments/domain/decision';
import { experiment, simulate } from './simulation';

describe('the experiment decision under continuous monitoring', () => {
  it('declares a winner in an A/A test no more often than alpha, looking after every 200 sends up to 10,000', () => {
    const winners = simulate(experiment(), { rates: [0.04, 0.04], batch: 200, maxPerArm: 10_000, experiments: 1_000, seed: 1 });
    const falseWinners = winners.filter((winner) => winner !== undefined).length / winners.length;

    console.info(`A/A false-winner rate: ${falseWinners} (alpha 0.05, 1,000 experiments, 50 looks each)`);
    expect(falseWinners).toBeLessThanOrEqual(0.05);
  });

  it('finds the better variant (6% vs 4% clicks) in most experiments, and almost never the worse one', () => {
    const winners = simulate(experiment(), { rates: [0.04, 0.06], batch: 200, maxPerArm: 10_000, experiments: 300, seed: 2 });
    const power = winners.filter((winner) => winner === 'question').length / winners.length;
    const wrong = winners.filter((winner) => winner === 'control').length / winners.length;

    console.info(`power 4% vs 6%: ${power}, wrong winner: ${wrong}`);
    expect(power).toBeGreaterThanOrEqual(0.9);
    expect(wrong).toBeLessThanOrEqual(0.01);
  });

  it('reaches the stated power by the planned sample when the lift is the minimum detectable one', () => {
    const file = experiment();
    const plan = planSample(file);
    const winners = simulate(file, { rates: [0.04, 0.06], batch: Math.ceil(plan.perArm / 10), maxPerArm: plan.perArm + Math.ceil(plan.perArm / 10), experiments: 300, seed: 3 });
    const power = winners.filter((winner) => winner === 'question').length / winners.length;

    console.info(`planned ${plan.perArm} per arm (fixed horizon ${plan.fixedHorizonPerArm}); power by then: ${power}`);
    expect(power).toBeGreaterThanOrEqual(0.75);
  });

  it('keeps the false-winner rate at alpha with three arms (alpha split over the pairs)', () => {
    const file = experiment({ arms: [{ id: 'a', weight: 1 }, { id: 'b', weight: 1 }, { id: 'c', weight: 1 }] });
    const winners = simulate(file, { rates: [0.04, 0.04, 0.04], batch: 250, maxPerArm: 5_000, experiments: 400, seed: 4 });

    expect(winners.filter((winner) => winner !== undefined).length / winners.length).toBeLessThanOrEqual(0.05);
  });

  it('plans more sends for the sequential test than a single-look test needs, and more for smaller lifts', () => {
    const plan = planSample(experiment());
    const smaller = planSample(experiment({ decision: { alpha: 0.05, baselineRate: 0.04, minimumDetectableLift: 0.25, power: 0.8 } }));

    expect(plan.fixedHorizonPerArm).toBeGreaterThan(1_500);
    expect(plan.fixedHorizonPerArm).toBeLessThan(2_200);
    expect(plan.perArm).toBeGreaterThan(plan.fixedHorizonPerArm);
    expect(smaller.perArm).toBeGreaterThan(3 * plan.perArm);
  });

  it('waits for 100 sends in every arm before deciding anything', () => {
    const decision = decide(experiment(), [{ trials: 99, successes: 0 }, { trials: 99, successes: 40 }]);

    expect(decision.status).toBe('no_winner_yet');
    expect(decision.why).toMatch(/control has 99/);
  });

  it('answers the marketer’s pick as a manual decision, whatever the numbers say', () => {
    const decision = decide(experiment({ winner: 'control' }), [{ trials: 5_000, successes: 200 }, { trials: 5_000, successes: 400 }]);

    expect(decision).toEqual({ status: 'manual', arm: 'control', why: expect.stringMatching(/picked by hand/) });
  });

  it('ends without a winner once every arm reached the planned sample', () => {
    const file = experiment();
    const { perArm } = planSample(file);
    const decision = decide(file, [{ trials: perArm, successes: Math.round(perArm * 0.04) }, { trials: perArm, successes: Math.round(perArm * 0.043) }]);

    expect(decision.status).toBe('no_difference');
    expect(decision.why).toMatch(/planned|surely within/);
  });
});
