import type { CountMetric } from '../../shared/decisions';
import type { ReportState } from './report-state';

export type { CountMetric };

/** The per-contact state the report rules need loaded: what the reports remember of the contact. */
export interface ReportsState {
  /** Undefined before the contact's first event. */
  readonly reports: ReportState;
}

/** Rewrites the contact's report state (report-state.ts). */
export interface SaveReportState {
  readonly type: 'SaveReportState';
  readonly contactId: string;
  readonly state: ReportState;
}

export type ReportsDecision = CountMetric | SaveReportState;
