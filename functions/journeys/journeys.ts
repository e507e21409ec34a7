import files from './journeys.generated.json' with { type: 'json' };
import { loadJourneys } from './domain/journey-file';

/**
 * Every journey, from the files in statemachines/ (bundled as the generated JSON that `npm run content`,
 * `npm start` and `cdk synth` write). Validated again as this module loads, so a broken journey never runs.
 */
export const journeys = loadJourneys(files);
