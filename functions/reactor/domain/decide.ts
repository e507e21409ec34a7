import type { Contact } from '../../contacts/domain/contact';
import type { TimelineEvent } from '../../shared/timeline';
import { countEvents } from '../../reports/domain/metrics';
import { reportRule } from '../../reports/domain/counters';
import { doubleOptInRule } from '../../email/domain/double-opt-in';
import { emailSettings } from '../../email/email-settings';
import { forms } from '../../forms/forms';
import { journeyRules } from '../../journeys/domain/rules';
import { journeys } from '../../journeys/journeys';
import { lifecycle, scoringRules, stageRankOf } from '../../scoring/domain/content';
import { scoringRule } from '../../scoring/domain/lifecycle-rule';
import type { Decision, Rule } from './decisions';

/** The rules that write counters (functions/reports): the reports rebuild replays only these. */
export const countingRules: readonly Rule[] = [countEvents, reportRule({ initialStage: lifecycle.initial, rankOf: stageRankOf })];

/** The rules the reactor applies to every new event, one module per capability that owns them. */
export const defaultRules: readonly Rule[] = [
  ...countingRules,
  scoringRule(scoringRules, lifecycle),
  journeyRules(journeys, stageRankOf, { recycleJourney: lifecycle.recycle?.journey }),
  doubleOptInRule(forms, emailSettings.topics),
];

/** Every decision the rules make for one event. Pure: the same state always gives the same decisions. */
export function decide(state: Parameters<Rule>[0], rules: readonly Rule[] = defaultRules): Decision[] {
  return rules.flatMap((rule) => rule(state));
}

/**
 * Runs the rules over a whole timeline, oldest first, with no database and no processed markers: what rescoring
 * and rebuilding reports start from. `contact` is the profile the rules see for every event.
 */
export function replay(contact: Contact, events: readonly TimelineEvent[], rules: readonly Rule[] = defaultRules): Decision[] {
  return [...events]
    .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.eventId.localeCompare(b.eventId))
    .flatMap((event) => decide({ event, contact }, rules));
}
