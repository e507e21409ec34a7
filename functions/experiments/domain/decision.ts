import type { Experiment } from './experiment-file';
import { normalQuantile, sequentialTest, type Tally } from './statistics';

/**
 * The experiment's verdict, a value: `winner` (the test found one arm better than every other), `no_winner_yet`
 * (keep sending), `no_difference` (stop: any difference is smaller than worth detecting), `manual` (a marketer
 * picked `arm` in the file). `why` says it in a sentence a marketer can act on.
 */
export interface ExperimentDecision {
  readonly status: 'winner' | 'no_winner_yet' | 'no_difference' | 'manual';
  readonly arm?: string;
  readonly why: string;
}

/** The sample planned before launch, per arm. */
export interface SamplePlan {
  /** Sends per arm at which the sequential test finds the minimum detectable lift with the stated power. */
  readonly perArm: number;
  /** What a fixed-horizon test (one look, at the end) would need, for comparison: the price of peeking safely. */
  readonly fixedHorizonPerArm: number;
  /** The minimum detectable effect in rate points (baseline × lift). */
  readonly absoluteEffect: number;
  /** The level each pairwise comparison is tested at: alpha split over the pairs (Bonferroni). */
  readonly alphaPerComparison: number;
}

/** No winner is declared before every arm has this many sends: the test's normal approximation needs some. */
export const MIN_TRIALS_PER_ARM = 100;

const pairsOf = (arms: number) => (arms * (arms - 1)) / 2;

/**
 * The planned sample: the smallest n per arm at which, if the best arm is better by the minimum detectable effect,
 * the sequential test's threshold is crossed at the last look with probability `power` (it may cross earlier:
 * looking often only adds chances to stop). Same normal approximation and mixing scale as the test itself.
 */
export function planSample(experiment: Pick<Experiment, 'arms' | 'decision'>): SamplePlan {
  const { alpha, baselineRate, minimumDetectableLift, power } = experiment.decision;
  const alphaPerComparison = alpha / pairsOf(experiment.arms.length);
  const p1 = baselineRate;
  const p2 = Math.min(0.999, baselineRate * (1 + minimumDetectableLift));
  const effect = p2 - p1;
  const spread = p1 * (1 - p1) + p2 * (1 - p2);
  const zPower = normalQuantile(power);
  const zAlpha = normalQuantile(1 - alphaPerComparison / 2);
  const pooled = (p1 + p2) / 2;
  const fixed = (zAlpha * Math.sqrt(2 * pooled * (1 - pooled)) + zPower * Math.sqrt(spread)) ** 2 / effect ** 2;
  const detects = (n: number) => {
    const variance = spread / n;
    const t2 = effect * effect;
    const threshold = Math.sqrt(((variance * (variance + t2)) / t2) * (2 * Math.log(1 / alphaPerComparison) + Math.log((variance + t2) / variance)));
    return effect >= threshold + zPower * Math.sqrt(variance);
  };
  let low = 1;
  let high = 1e9;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (detects(middle)) high = middle;
    else low = middle;
  }
  return { perArm: high, fixedHorizonPerArm: Math.ceil(fixed), absoluteEffect: effect, alphaPerComparison };
}

/**
 * Decides from the arms' tallies (sends and successes), in the order of the file's arms. An arm is the winner when
 * it has the highest rate and the mixture SPRT (statistics.ts) rejects "no difference" against every other arm
 * at alpha split over the pairs: valid however often this is called. Without a winner, the test ends with
 * `no_difference` when every arm reached the planned sample, or when the always-valid intervals of every
 * difference lie inside ± the minimum detectable effect. A marketer's pick in the file overrides all of it.
 */
export function decide(experiment: Pick<Experiment, 'arms' | 'decision' | 'winner'>, tallies: readonly Tally[], plan = planSample(experiment)): ExperimentDecision {
  if (experiment.winner !== undefined) return { status: 'manual', arm: experiment.winner, why: `${experiment.winner} was picked by hand in the experiment file` };
  const arms = experiment.arms.map((arm, index) => ({ id: arm.id, tally: tallies[index] ?? { trials: 0, successes: 0 } }));
  const short = arms.filter(({ tally }) => tally.trials < MIN_TRIALS_PER_ARM);
  if (short.length) {
    return { status: 'no_winner_yet', why: `every arm needs ${MIN_TRIALS_PER_ARM} sends before the test decides; ${short.map(({ id, tally }) => `${id} has ${tally.trials}`).join(', ')}` };
  }
  const rate = ({ trials, successes }: Tally) => successes / trials;
  const leader = arms.reduce((best, arm) => (rate(arm.tally) > rate(best.tally) ? arm : best));
  const threshold = 1 / plan.alphaPerComparison;
  const tests = arms.filter((arm) => arm !== leader).map((arm) => ({ arm, test: sequentialTest(arm.tally, leader.tally, plan.absoluteEffect, plan.alphaPerComparison) }));
  const beaten = tests.filter(({ test }) => test.difference > 0 && test.likelihoodRatio >= threshold);
  if (beaten.length === tests.length) {
    const weakest = Math.max(...tests.map(({ test }) => test.pValue));
    return {
      status: 'winner',
      arm: leader.id,
      why: `${leader.id} beats ${tests.map(({ arm }) => arm.id).join(', ')} (always-valid p = ${format(weakest)} ≤ ${format(plan.alphaPerComparison)} for each comparison)`,
    };
  }
  const allPairs = arms.flatMap((a, i) => arms.slice(i + 1).map((b) => sequentialTest(a.tally, b.tally, plan.absoluteEffect, plan.alphaPerComparison)));
  if (allPairs.every(({ interval }) => interval.low > -plan.absoluteEffect && interval.high < plan.absoluteEffect)) {
    return { status: 'no_difference', why: `every difference between arms is surely within ±${points(plan.absoluteEffect)}, the smallest effect worth detecting` };
  }
  if (arms.every(({ tally }) => tally.trials >= plan.perArm)) {
    return {
      status: 'no_difference',
      why: `every arm reached the planned ${plan.perArm} sends without a winner: a lift of ${points(plan.absoluteEffect)} would have shown by now, so any real one is likely smaller`,
    };
  }
  const behind = tests.filter((entry) => !beaten.includes(entry)).map(({ arm }) => arm.id);
  return { status: 'no_winner_yet', why: `${leader.id} leads but is not yet surely better than ${behind.join(', ')}; planned ${plan.perArm} sends per arm` };
}

const format = (value: number) => (value < 0.001 ? value.toExponential(1) : value.toFixed(3));
const points = (value: number) => `${(value * 100).toFixed(2)} rate points`;
