import { GAUGE_DAY, ReportMetric, parseAttr } from '../reports/domain/counters';
import type { Metrics } from '../reports/metrics';
import type { JourneyStepCounts } from './step-counts';

/**
 * Journey step counts from the reports' gauge (`journeys.active`, SK `current`, `<journey>/<step>` = contacts there
 * now), kept by the reactor as timeline events arrive: one item per shard, whatever the number of contacts.
 */
export class MetricsJourneyStepCounts implements JourneyStepCounts {
  constructor(private readonly metrics: Metrics) {}

  async active(): Promise<ReadonlyMap<string, Readonly<Record<string, number>>>> {
    const gauge = (await this.metrics.counters(ReportMetric.journeySteps, GAUGE_DAY, GAUGE_DAY)).get(GAUGE_DAY) ?? {};
    const byJourney = new Map<string, Record<string, number>>();
    for (const [name, value] of Object.entries(gauge)) {
      const [journeyId, stepId] = parseAttr(name);
      // A gauge's +1 and -1 may sit in different shards; only the sum means anything, and it is never below zero.
      if (!journeyId || !stepId || value <= 0) continue;
      const steps = byJourney.get(journeyId) ?? {};
      steps[stepId] = (steps[stepId] ?? 0) + value;
      byJourney.set(journeyId, steps);
    }
    return byJourney;
  }
}
