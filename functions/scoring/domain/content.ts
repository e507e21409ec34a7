import generated from '../content.generated.json' with { type: 'json' };
import { stageAtLeast, stageRank, Lifecycle } from '../../shared/lifecycle';
import { ScoringRules } from './scoring-rules';

/**
 * The scoring rules and the funnel as shipped: `content/scoring.yaml` and `content/lifecycle.yaml`, compiled into
 * `content.generated.json` (see lib/scoring/content-files.ts) and validated as this module loads, so a bad file
 * fails the cold start, `npm start`, `cdk synth` and the tests rather than a contact's scoring.
 */
export const scoringRules: ScoringRules = ScoringRules.parse(generated.scoring);
export const lifecycle: Lifecycle = Lifecycle.parse(generated.lifecycle);

/**
 * The shipped funnel's order: `stageRankOf('sql')` is 3; side stages (`recycled`, `disqualified`) and unknown ids
 * have none. For journey goals such as `stage >= sql`, prefer {@link stageReached}.
 */
export const stageRankOf = (stageId: string | undefined): number | undefined => stageRank(lifecycle, stageId);

/** Whether a contact at `stageId` (undefined: the initial stage) has reached `atLeast` in the shipped funnel. */
export const stageReached = (stageId: string | undefined, atLeast: string): boolean => stageAtLeast(lifecycle, stageId, atLeast);
