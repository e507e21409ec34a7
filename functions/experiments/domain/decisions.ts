import * as z from 'zod';

/**
 * What one contact's experiment remembers (state item `XP#<experimentId>`): its arm, when it was first exposed,
 * and whether it already clicked or converted, so each contact counts at most once per measure.
 */
export const ExperimentExposure = z.object({
  experimentId: z.string().min(1),
  arm: z.string().min(1),
  exposedAt: z.iso.datetime(),
  clicked: z.boolean(),
  converted: z.boolean(),
});
export type ExperimentExposure = z.infer<typeof ExperimentExposure>;

/** The per-contact state the experiment rules need loaded. */
export interface ExperimentsState {
  readonly exposures: readonly ExperimentExposure[];
}

/** The measures counted per arm and day. */
export type ExperimentMeasure = 'sends' | 'humanClicks' | 'conversions';

/** Adds to an experiment's daily counters: `counts` by `<arm>/<measure>`. */
export interface CountExperiment {
  readonly type: 'CountExperiment';
  readonly experimentId: string;
  readonly day: string;
  readonly shard: number;
  readonly counts: Readonly<Record<string, number>>;
}

/** Rewrites one contact's exposure to one experiment. */
export interface SaveExposure {
  readonly type: 'SaveExposure';
  readonly contactId: string;
  readonly exposure: ExperimentExposure;
}

export type ExperimentsDecision = CountExperiment | SaveExposure;
