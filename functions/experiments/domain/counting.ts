import type { ReactorState, Rule } from '../../reactor/domain/decisions';
import { EventName } from '../../shared/events';
import { matches } from '../../shared/event-matcher';
import { HOLDOUT_ARM, HOLDOUT_SKIP_REASON } from '../../shared/experiment-ref';
import { bucketOf } from '../../shared/hash';
import type { Experiment } from './experiment-file';
import type { CountExperiment, ExperimentExposure, ExperimentMeasure, ExperimentsDecision, ExperimentsState, SaveExposure } from './decisions';

/** Shards of an experiment's daily counters: a broadcast's sends all write one experiment at once. */
export const EXPERIMENT_SHARDS = 4;

/** The metric (`METRIC#<metric>#<shard>` / `<yyyy-mm-dd>`) an experiment's counters are kept under. */
export const experimentMetric = (experimentId: string) => `experiment.${experimentId}`;

/** A counter's attribute: `<arm>/<measure>`. */
export const measureAttribute = (arm: string, measure: ExperimentMeasure) => `${arm}/${measure}`;

/**
 * The experiments' counting rule. Per experiment and arm, each contact counts once as exposed (its first
 * `email.sent` in the arm, or for the holdout its `email.skipped: holdout`), once as a human clicker (its first
 * `email.clicked` that is not a machine's, on a send of the experiment) and, for a goal metric, once as converted
 * (its first matching event within the window after its exposure). Counting contacts, not emails, keeps the
 * outcomes independent, as the statistics assume. Pure: depends only on the event and the loaded exposures.
 */
export function experimentRules(experiments: ReadonlyMap<string, Experiment>): Rule<ExperimentsState, ExperimentsDecision> {
  return (state: ReactorState<ExperimentsState>) => {
    const { event } = state;
    const exposures = state.exposures ?? [];
    const decisions: ExperimentsDecision[] = [];
    const count = (exposure: ExperimentExposure, measure: ExperimentMeasure): void => {
      decisions.push(counted(exposure.experimentId, event.occurredAt.slice(0, 10), bucketOf(event.eventId, EXPERIMENT_SHARDS), exposure.arm, measure));
      decisions.push(saved(event.contactId, exposure));
    };

    if (event.type === EventName.EmailSent || (event.type === EventName.EmailSkipped && event.data.reason === HOLDOUT_SKIP_REASON)) {
      const ref = event.data.experiment;
      const isHoldout = event.type === EventName.EmailSkipped;
      if (ref && experiments.has(ref.id) && (ref.arm === HOLDOUT_ARM) === isHoldout && !exposures.some((exposure) => exposure.experimentId === ref.id)) {
        count({ experimentId: ref.id, arm: ref.arm, exposedAt: event.occurredAt, clicked: false, converted: false }, 'sends');
      }
    }

    if (event.type === EventName.EmailClicked && !event.data.machine && event.data.experiment) {
      const exposure = exposures.find((candidate) => candidate.experimentId === event.data.experiment?.id);
      if (exposure && !exposure.clicked) count({ ...exposure, clicked: true }, 'humanClicks');
    }

    for (const exposure of exposures) {
      const metric = experiments.get(exposure.experimentId)?.metric;
      if (!metric || metric === 'human_click' || exposure.converted) continue;
      const after = Date.parse(event.occurredAt) - Date.parse(exposure.exposedAt);
      if (after < 0 || after > metric.within * 1_000) continue;
      if (!matches({ type: metric.event, ...(metric.where ? { where: metric.where } : {}) }, event)) continue;
      count({ ...exposure, converted: true }, 'conversions');
    }
    return merge(decisions);
  };
}

function counted(experimentId: string, day: string, shard: number, arm: string, measure: ExperimentMeasure): CountExperiment {
  return { type: 'CountExperiment', experimentId, day, shard, counts: { [measureAttribute(arm, measure)]: 1 } };
}

function saved(contactId: string, exposure: ExperimentExposure): SaveExposure {
  return { type: 'SaveExposure', contactId, exposure };
}

/**
 * One decision per item: a transaction may not touch an item twice, and an event can both expose and convert
 * (a goal that is the send itself) or click one experiment's send while converting another's.
 */
function merge(decisions: readonly ExperimentsDecision[]): ExperimentsDecision[] {
  const counts = new Map<string, CountExperiment>();
  const exposures = new Map<string, SaveExposure>();
  for (const decision of decisions) {
    switch (decision.type) {
      case 'CountExperiment': {
        const key = `${decision.experimentId}\u0000${decision.day}\u0000${decision.shard}`;
        const before = counts.get(key);
        const merged = { ...(before?.counts ?? {}) };
        for (const [name, amount] of Object.entries(decision.counts)) merged[name] = (merged[name] ?? 0) + amount;
        counts.set(key, { ...decision, counts: merged });
        break;
      }
      case 'SaveExposure': {
        const before = exposures.get(decision.exposure.experimentId);
        const exposure = before ? { ...decision.exposure, clicked: before.exposure.clicked || decision.exposure.clicked, converted: before.exposure.converted || decision.exposure.converted } : decision.exposure;
        exposures.set(decision.exposure.experimentId, { ...decision, exposure });
        break;
      }
    }
  }
  return [...counts.values(), ...exposures.values()];
}
