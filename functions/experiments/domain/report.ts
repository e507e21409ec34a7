import { decide, planSample, type ExperimentDecision, type SamplePlan } from './decision';
import { HOLDOUT, type Experiment } from './experiment-file';
import { measureAttribute } from './counting';
import { differenceInterval, probabilityToBeBest, wilsonInterval, type Interval, type Tally } from './statistics';

/** One arm's numbers in the report. */
export interface ArmReport {
  readonly arm: string;
  /** Contacts sent to (a contact sent the experiment twice counts once). */
  readonly sends: number;
  /** Contacts with at least one human click. */
  readonly humanClicks: number;
  /** Contacts who reached the goal within its window (goal metrics only). */
  readonly conversions?: number;
  /** The metric's rate (clicks or conversions per contact sent to), null before any send, with a 95% Wilson interval. */
  readonly rate: number | null;
  readonly interval: Interval;
  readonly probabilityToBeBest: number;
  /** The rate minus the holdout's, with a 95% Newcombe interval and the relative lift; null when not measurable, and why. */
  readonly liftOverHoldout: { readonly absolute: number; readonly interval: Interval; readonly relative: number | null } | null;
  readonly liftWhyNot?: string;
}

/** What `GET /experiments/{id}` answers. */
export interface ExperimentReport {
  readonly id: string;
  readonly name: string;
  readonly hypothesis: string;
  readonly metric: Experiment['metric'];
  readonly method: string;
  readonly plan: SamplePlan;
  readonly arms: readonly ArmReport[];
  readonly holdout: { readonly share: number; readonly contacts: number; readonly conversions?: number; readonly rate: number | null; readonly interval: Interval } | null;
  readonly decision: ExperimentDecision;
}

export const METHOD =
  'mixture sequential probability ratio test (Johari et al. 2017) on each pair of arms, alpha split over the pairs: valid however often the report is read';

/**
 * The report of an experiment from its counters summed over every day and shard (`<arm>/<measure>` → count).
 * Pure: the same counters give the same report.
 */
export function experimentReport(experiment: Experiment, counters: Readonly<Record<string, number>>): ExperimentReport {
  const read = (arm: string, measure: 'sends' | 'humanClicks' | 'conversions') => counters[measureAttribute(arm, measure)] ?? 0;
  const goal = experiment.metric !== 'human_click';
  const successesOf = (arm: string) => (goal ? read(arm, 'conversions') : read(arm, 'humanClicks'));
  const tallies: Tally[] = experiment.arms.map((arm) => ({ trials: read(arm.id, 'sends'), successes: Math.min(read(arm.id, 'sends'), successesOf(arm.id)) }));
  const holdoutTally: Tally = { trials: read(HOLDOUT, 'sends'), successes: goal ? Math.min(read(HOLDOUT, 'sends'), read(HOLDOUT, 'conversions')) : 0 };
  const plan = planSample(experiment);
  const best = probabilityToBeBest(tallies);
  const whyNoLift =
    experiment.holdout === 0
      ? 'the experiment holds nobody out'
      : !goal
        ? 'held-out contacts get no email, so they cannot click it: measure lift over doing nothing with a goal metric'
        : holdoutTally.trials === 0
          ? 'no held-out contact counted yet'
          : undefined;
  const holdoutRate = holdoutTally.trials ? holdoutTally.successes / holdoutTally.trials : 0;
  return {
    id: experiment.id,
    name: experiment.name,
    hypothesis: experiment.hypothesis,
    metric: experiment.metric,
    method: METHOD,
    plan,
    arms: experiment.arms.map((arm, index) => {
      const tally = tallies[index]!;
      const lift =
        whyNoLift === undefined && tally.trials > 0
          ? {
              absolute: tally.successes / tally.trials - holdoutRate,
              interval: differenceInterval(holdoutTally, tally),
              relative: holdoutRate > 0 ? tally.successes / tally.trials / holdoutRate - 1 : null,
            }
          : null;
      return {
        arm: arm.id,
        sends: tally.trials,
        humanClicks: read(arm.id, 'humanClicks'),
        ...(goal ? { conversions: read(arm.id, 'conversions') } : {}),
        rate: tally.trials ? tally.successes / tally.trials : null,
        interval: wilsonInterval(tally),
        probabilityToBeBest: best[index]!,
        liftOverHoldout: lift,
        ...(lift ? {} : { liftWhyNot: whyNoLift ?? 'no contact sent this arm yet' }),
      };
    }),
    holdout:
      experiment.holdout > 0
        ? {
            share: experiment.holdout,
            contacts: holdoutTally.trials,
            ...(goal ? { conversions: holdoutTally.successes } : {}),
            rate: goal && holdoutTally.trials ? holdoutRate : null,
            interval: wilsonInterval(goal ? holdoutTally : { trials: 0, successes: 0 }),
          }
        : null,
    decision: decide(experiment, tallies, plan),
  };
}
