/** Where an experiment's counters are read from. */
export interface ExperimentCounters {
  /** Every counter of the experiment (`<arm>/<measure>`), summed over all its days and shards. */
  totals(experimentId: string): Promise<Record<string, number>>;
}
