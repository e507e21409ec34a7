import files from './journeys.generated.json' with { type: 'json' };
import { compileJourney } from '../../lib/journeys/compiler';
import { loadJourneys, type Journey } from './domain/journey-file';
import { readVersionFacts } from './domain/versions';

/**
 * Every journey, from the files in statemachines/ (bundled as the generated JSON that `npm run content`,
 * `npm start` and `cdk synth` write). Validated again as this module loads, so a broken journey never runs; each carries
 * its version, the one `cdk deploy` publishes from the same file (new entries name it on the timeline).
 */
export const journeys: ReadonlyMap<string, Journey> = new Map(
  [...loadJourneys(files)].map(([id, journey]) => [id, { ...journey, version: readVersionFacts(compileJourney(journey).Comment)!.version }]),
);
