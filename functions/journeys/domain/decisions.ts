import type { AppendEvent } from '../../shared/decisions';
import type { SegmentMembershipView } from '../../shared/segment-membership';
import type { DateIndexEntry, JourneyWait, Membership } from './membership';

/** The per-contact state the journeys' rules need loaded. */
export interface JourneyState {
  /** The contact's journey memberships (one per journey it ever entered). */
  readonly memberships: readonly Membership[];
  /** Executions of this contact waiting for an event. */
  readonly waits: readonly JourneyWait[];
  /** Date attributes indexed for the daily sweep. */
  readonly dateIndex: readonly DateIndexEntry[];
  /** The contact's segment states (written by segments), for `segments contains <id>` in entry rules and goals. */
  readonly segmentMemberships: readonly SegmentMembershipView[];
}

/** The journeys' writes: each joins the processed marker's transaction. */
export type JourneyWrite =
  /** Records the contact's latest enrolment in (or exit from) a journey. */
  | { readonly type: 'RecordMembership'; readonly contactId: string; readonly membership: Membership }
  /** Forgets a wait that was resumed. */
  | { readonly type: 'DeleteWait'; readonly contactId: string; readonly executionName: string; readonly stepId: string }
  /** Indexes (or, with `date: null`, un-indexes) a date attribute for the date-trigger sweep. */
  | { readonly type: 'IndexDate'; readonly contactId: string; readonly attribute: string; readonly date: string | null };

/** The journeys' calls to Step Functions: each idempotent by itself. */
export type JourneyCall =
  /** Enrols the contact in a journey: a Step Functions execution whose name makes a second start a no-op. */
  | { readonly type: 'StartJourney'; readonly journeyId: string; readonly executionName: string; readonly input: Readonly<Record<string, unknown>> }
  /** Stops a running execution (exit rules and goals); stopping one that already ended is a no-op. */
  | { readonly type: 'StopJourney'; readonly journeyId: string; readonly executionName: string; readonly reason: string }
  /** Resumes an execution waiting for this event (SendTaskSuccess); a token already used is a no-op. */
  | { readonly type: 'ResumeJourney'; readonly taskToken: string; readonly output: Readonly<Record<string, unknown>> };

/** Every decision the journeys' rules make (entered/exited events are appended through contacts). */
export type JourneyDecision = JourneyWrite | JourneyCall | AppendEvent;
export type JourneyDecisionOf<T extends JourneyDecision['type']> = Extract<JourneyDecision, { type: T }>;
