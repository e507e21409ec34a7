import { BusinessMetric, type BusinessMetrics } from '../shared/metrics';
import type { Intake } from './intake';

/**
 * The intake, counting every lead it records (`LeadsAccepted`); a replayed Idempotency-Key wrote nothing and is
 * not counted again.
 */
export function countingLeads(intake: Intake, metrics: BusinessMetrics): Intake {
  return {
    record: async (submission, at) => {
      const recorded = await intake.record(submission, at);
      if (!recorded.replayed) metrics.count(BusinessMetric.LeadsAccepted);
      return recorded;
    },
    countBot: (formId, reason, at) => intake.countBot(formId, reason, at),
    profile: (contactId) => intake.profile(contactId),
  };
}
