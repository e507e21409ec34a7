import type { ReportState } from './report-state';

/** The per-contact state the report rules need loaded: what the reports remember of the contact. */
export interface ReportsState {
  /** Undefined before the contact's first event. */
  readonly reports: ReportState;
}

/**
 * Adds 1 to a daily counter, or `counts` (attribute → amount) to several counters of the same item in one update
 * (reports read these; a replay of a timeline must produce the same ones).
 */
export interface CountMetric {
  readonly type: 'CountMetric';
  readonly metric: string;
  /** The item's SK (`keys.metric`): a day, `current` for a gauge, or a day and a value (`metricValueSk`). */
  readonly day: string;
  readonly shard: number;
  readonly counts?: Readonly<Record<string, number>>;
}

/** Rewrites the contact's report state (report-state.ts). */
export interface SaveReportState {
  readonly type: 'SaveReportState';
  readonly contactId: string;
  readonly state: ReportState;
}

export type ReportsDecision = CountMetric | SaveReportState;
