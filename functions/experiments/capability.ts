import type { Capability } from '../reactor/capability';
import { EXPERIMENT_EXPOSURE_PREFIX, keys } from '../shared/keys';
import { countUpdate } from '../reports/dynamo-report-state';
import { experimentRules, experimentMetric } from './domain/counting';
import { ExperimentExposure, type ExperimentsDecision, type ExperimentsState } from './domain/decisions';
import { experiments } from './experiment-content';

/**
 * Experiments in the reactor: per experiment, arm and day, the contacts exposed, the human clickers and the goal
 * conversions (atomic ADDs on the reports' counter items, so concurrent events add up), and each contact's
 * exposure, all in the marker's transaction so a redelivered record never counts twice.
 */
export const experimentsCapability: Capability<ExperimentsState, ExperimentsDecision, ExperimentsDecision> = {
  name: 'experiments',
  events: [],
  state: { exposures: { prefix: EXPERIMENT_EXPOSURE_PREFIX, schema: ExperimentExposure } },
  rules: [experimentRules(experiments)],
  writes: {
    CountExperiment: (decision, { tableName }) => [
      { item: { Update: { TableName: tableName, ...countUpdate({ type: 'CountMetric', metric: experimentMetric(decision.experimentId), day: decision.day, shard: decision.shard, counts: decision.counts }) } } },
    ],
    SaveExposure: (decision, { tableName }) => [
      {
        item: {
          Put: {
            TableName: tableName,
            Item: { ...keys.experimentExposure(decision.contactId, decision.exposure.experimentId), ...decision.exposure },
          },
        },
      },
    ],
  },
  calls: {},
};
