import { requireAccess } from '../access/authorizer-context';
import { NotFound, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import type { Logger } from '../shared/logger';
import { planSample } from './domain/decision';
import type { Experiment } from './domain/experiment-file';
import { METHOD, experimentReport } from './domain/report';
import type { ExperimentCounters } from './ports';

export interface GetExperimentDeps {
  readonly experiments: ReadonlyMap<string, Experiment>;
  readonly counters: ExperimentCounters;
  readonly logger: Logger;
}

/**
 * - `GET /experiments`: every experiment file with its arms, metric and planned sample (what to expect before launch);
 * - `GET /experiments/{id}`: per arm sends, human clicks, rate with interval, probability to be best, lift over
 *   the holdout, and the decision with why (`experimentReport`).
 */
export const makeGetExperiment =
  (deps: GetExperimentDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    if (event.routeKey === 'GET /experiments') {
      return json(200, {
        method: METHOD,
        experiments: [...deps.experiments.values()].map((experiment) => ({
          id: experiment.id,
          name: experiment.name,
          arms: experiment.arms.map((arm) => arm.id),
          holdout: experiment.holdout,
          metric: experiment.metric,
          plan: planSample(experiment),
          ...(experiment.winner ? { winner: experiment.winner } : {}),
        })),
      });
    }
    const id = event.pathParameters?.id ?? '';
    const experiment = deps.experiments.get(id);
    if (!experiment) throw new NotFound(`No experiment "${id}"; experiments: ${[...deps.experiments.keys()].join(', ') || 'none'}`);
    return json(200, experimentReport(experiment, await deps.counters.totals(id)));
  };

export function makeGetExperimentHandler(deps: GetExperimentDeps) {
  return httpHandler(makeGetExperiment(deps), {
    logger: deps.logger,
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
  });
}
