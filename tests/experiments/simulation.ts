import type { Experiment } from '../../functions/experiments/domain/experiment-file';
import { decide, planSample, type ExperimentDecision } from '../../functions/experiments/domain/decision';
import type { Tally } from '../../functions/experiments/domain/statistics';

/** mulberry32: a small seeded generator, so every simulated experiment comes out the same on every run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function experiment(overrides: Partial<Experiment> = {}): Experiment {
  return {
    id: 'subject-test',
    name: 'Subject test',
    hypothesis: 'A question in the subject gets more clicks',
    arms: [
      { id: 'control', weight: 1 },
      { id: 'question', weight: 1 },
    ],
    holdout: 0,
    metric: 'human_click',
    decision: { alpha: 0.05, baselineRate: 0.04, minimumDetectableLift: 0.5, power: 0.8 },
    ...overrides,
  };
}

export interface Simulation {
  /** The true click rate of each arm. */
  readonly rates: readonly number[];
  /** Sends added to every arm between two looks. */
  readonly batch: number;
  /** Sends per arm at the last look. */
  readonly maxPerArm: number;
  readonly experiments: number;
  readonly seed: number;
}

/**
 * Runs simulated experiments, looking (calling `decide`) after every batch of sends, as a marketer refreshing the
 * report would. Returns, per experiment, the first winner declared at any look (or undefined).
 */
export function simulate(file: Experiment, { rates, batch, maxPerArm, experiments, seed }: Simulation): (string | undefined)[] {
  const random = seeded(seed);
  const plan = planSample(file);
  const winners: (string | undefined)[] = [];
  for (let e = 0; e < experiments; e++) {
    const tallies: Tally[] = rates.map(() => ({ trials: 0, successes: 0 }));
    let winner: string | undefined;
    for (let sent = batch; sent <= maxPerArm && winner === undefined; sent += batch) {
      rates.forEach((rate, arm) => {
        let successes = 0;
        for (let i = 0; i < batch; i++) if (random() < rate) successes++;
        tallies[arm] = { trials: sent, successes: tallies[arm]!.successes + successes };
      });
      const decision: ExperimentDecision = decide(file, tallies, plan);
      if (decision.status === 'winner') winner = decision.arm;
    }
    winners.push(winner);
  }
  return winners;
}
