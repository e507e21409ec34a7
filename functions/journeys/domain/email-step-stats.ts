import { parseAttr } from '../../reports/domain/counters';
import type { Journey } from './journey-file';

/** An email step's numbers over a range: its template, sends, human clicks (total and unique) and unsubscribes. */
export interface EmailStepStats {
  readonly templateId: string;
  readonly sent: number;
  readonly humanClicks: number;
  readonly uniqueHumanClicks: number;
  readonly unsubscribes: number;
}

/**
 * Each send_email step's numbers from the `email` counters (day → `<journey>/<step>/<template>/<measure>` → n),
 * summed over the days and over the templates the step sent (an experiment's arms send their own). Machine clicks
 * (link scanners) are not counted. Pure.
 */
export function emailStepStats(journey: Journey, counters: ReadonlyMap<string, Readonly<Record<string, number>>>): Map<string, EmailStepStats> {
  const sums = new Map<string, Record<string, number>>();
  for (const day of counters.values()) {
    for (const [name, value] of Object.entries(day)) {
      const [journeyId, stepId, , measure] = parseAttr(name);
      if (journeyId !== journey.id || !stepId || !measure) continue;
      const step = sums.get(stepId) ?? sums.set(stepId, {}).get(stepId)!;
      step[measure] = (step[measure] ?? 0) + value;
    }
  }
  const stats = new Map<string, EmailStepStats>();
  for (const step of journey.steps) {
    if (step.type !== 'send_email') continue;
    const m = sums.get(step.id) ?? {};
    stats.set(step.id, { templateId: step.template, sent: m.sent ?? 0, humanClicks: m.clicks ?? 0, uniqueHumanClicks: m.uniqueClicks ?? 0, unsubscribes: m.unsubscribed ?? 0 });
  }
  return stats;
}
