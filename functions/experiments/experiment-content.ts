import generated from './experiments.generated.json' with { type: 'json' };
import { ExperimentFile, type Experiment } from './domain/experiment-file';

/**
 * The experiments of `content/experiments/*.yaml`, compiled into `experiments.generated.json` (see
 * lib/experiments/content-files.ts) and validated as this module loads, so a bad file fails the cold start,
 * `npm start`, `cdk synth` and the tests.
 */
export const experiments: ReadonlyMap<string, Experiment> = new Map(
  Object.entries(generated as Record<string, unknown>).map(([id, file]) => [id, ExperimentFile.parse(file)]),
);
