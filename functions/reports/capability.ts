import type { Capability } from '../reactor/capability';
import type { Rule } from '../reactor/domain/decisions';
import { keys } from '../shared/keys';
import { lifecycle, stageRankOf } from '../scoring/domain/content';
import { reportRule } from './domain/counters';
import type { ReportsDecision, ReportsState } from './domain/decisions';
import { countEvents } from './domain/metrics';
import { ReportState } from './domain/report-state';
import { countUpdate, reportStateItem } from './dynamo-report-state';

/** The rules that write counters: what a reports rebuild replays. */
const counting: readonly Rule<ReportsState, ReportsDecision>[] = [countEvents, reportRule({ initialStage: lifecycle.initial, rankOf: stageRankOf })];

/**
 * Reports in the reactor: daily counters (atomic ADDs, so concurrent events add up) and the contact's report state
 * (one item), both written in the marker's transaction so a redelivered record never counts twice.
 */
export const reportsCapability: Capability<ReportsState, ReportsDecision, ReportsDecision> = {
  name: 'reports',
  events: [],
  state: { reports: { prefix: keys.reportState('').SK, schema: ReportState, single: true } },
  rules: counting,
  countingRules: counting,
  writes: {
    CountMetric: (decision, { tableName }) => [{ item: { Update: { TableName: tableName, ...countUpdate(decision) } } }],
    SaveReportState: (decision, { tableName }) => [{ item: { Put: { TableName: tableName, Item: reportStateItem(decision.contactId, decision.state) } } }],
  },
  calls: {},
};
