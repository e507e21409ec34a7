import type { Contact, LeadScore } from '../../contacts/domain/contact';
import type { TimelineEvent } from '../../shared/timeline';
import type { DateIndexEntry, JourneyWait, Membership } from '../../journeys/domain/membership';
import type { ReportState } from '../../reports/domain/report-state';

/** What the rules see of one new event: the event itself and the contact it belongs to, as loaded. */
export interface ReactorState {
  readonly event: TimelineEvent;
  readonly contact: Contact;
  /** The contact's journey memberships (one per journey it ever entered). @default [] */
  readonly memberships?: readonly Membership[];
  /** Executions of this contact waiting for an event. @default [] */
  readonly waits?: readonly JourneyWait[];
  /** Date attributes indexed for the daily sweep. @default [] */
  readonly dateIndex?: readonly DateIndexEntry[];
  /** What the reports remember of the contact (functions/reports); undefined before its first event. */
  readonly reports?: ReportState;
}

/**
 * What a rule decides an event causes. Each variant is applied by exactly one port, and is one of two kinds:
 *
 * - a **write** joins the DynamoDB transaction that also sets the event's processed marker, so it happens exactly
 *   once with the marker;
 * - a **call** reaches a service that cannot join that transaction (Step Functions, a CRM); it is made before the
 *   transaction and must be idempotent by itself (a deterministic name or idempotency key), because a failure
 *   after it and before the marker means the record is retried and the call made again.
 */
export type Decision = WriteDecision | CallDecision;

export type WriteDecision =
  | JourneyWriteDecision
  /**
   * Adds 1 to a daily counter, or `counts` (attribute → amount) to several counters of the same item in one update
   * (reports read these; a replay of a timeline must produce the same ones).
   */
  | {
      readonly type: 'CountMetric';
      readonly metric: string;
      /** The item's SK (`keys.metric`): a day, `current` for a gauge, or a day and a value (`metricValueSk`). */
      readonly day: string;
      readonly shard: number;
      readonly counts?: Readonly<Record<string, number>>;
    }
  /** Reports: rewrites the contact's report state (functions/reports/domain/report-state.ts). */
  | { readonly type: 'SaveReportState'; readonly contactId: string; readonly state: ReportState }
  /**
   * Scoring: rewrites the contact's score and/or stage and appends the `score.changed` / `stage.changed` events
   * (deterministic ids), all in the marker's transaction: a redelivered record never scores twice.
   */
  | {
      readonly type: 'UpdateLifecycle';
      readonly contactId: string;
      readonly score?: LeadScore;
      readonly stage?: { readonly to: string; readonly at: string };
      readonly events: readonly TimelineEvent[];
    };

export type JourneyWriteDecision =
  /** Records the contact's latest enrolment in (or exit from) a journey. */
  | { readonly type: 'RecordMembership'; readonly contactId: string; readonly membership: Membership }
  /** Appends an event with a deterministic id (journey entered/exited): once, with the marker. */
  | { readonly type: 'AppendEvent'; readonly event: TimelineEvent }
  /** Forgets a wait that was resumed. */
  | { readonly type: 'DeleteWait'; readonly contactId: string; readonly executionName: string; readonly stepId: string }
  /** Indexes (or, with `date: null`, un-indexes) a date attribute for the date-trigger sweep. */
  | { readonly type: 'IndexDate'; readonly contactId: string; readonly attribute: string; readonly date: string | null };

export type JourneyCallDecision =
  /** Stops a running execution (exit rules and goals); stopping one that already ended is a no-op. */
  | { readonly type: 'StopJourney'; readonly journeyId: string; readonly executionName: string; readonly reason: string }
  /** Resumes an execution waiting for this event (SendTaskSuccess); a token already used is a no-op. */
  | { readonly type: 'ResumeJourney'; readonly taskToken: string; readonly output: Readonly<Record<string, unknown>> };

export type CallDecision =
  | JourneyCallDecision
  /** Enrols the contact in a journey: a Step Functions execution whose name makes a second start a no-op. */
  | {
    readonly type: 'StartJourney';
    readonly journeyId: string;
    readonly executionName: string;
    readonly input: Readonly<Record<string, unknown>>;
  }
  /**
   * CRM: hands the contact to sales. Queued (the CRM may be slow or down; the stream must not wait for it) and
   * made idempotent by `idempotencyKey` (derived from the triggering event).
   */
  | {
      readonly type: 'HandOff';
      readonly contactId: string;
      readonly idempotencyKey: string;
      readonly reason: string;
      readonly source: string;
    }
  /**
   * Email: sends one email through the email capability (a double opt-in confirmation, functions/email), made
   * idempotent by `idempotencyKey` (the triggering event's id): a retried record sends nothing more.
   */
  | {
      readonly type: 'SendEmail';
      readonly contactId: string;
      readonly templateId: string;
      readonly idempotencyKey: string;
      readonly confirm?: { readonly topic: string; readonly formId: string; readonly ip?: string };
    };

export type DecisionType = Decision['type'];
export type DecisionOf<T extends DecisionType> = Extract<Decision, { type: T }>;

/** Which decisions are writes (in the marker's transaction) and which are calls (idempotent, made first). */
const kinds: { readonly [T in DecisionType]: DecisionOf<T> extends WriteDecision ? 'write' : 'call' } = {
  CountMetric: 'write',
  SaveReportState: 'write',
  StartJourney: 'call',
  StopJourney: 'call',
  ResumeJourney: 'call',
  RecordMembership: 'write',
  AppendEvent: 'write',
  DeleteWait: 'write',
  IndexDate: 'write',
  UpdateLifecycle: 'write',
  HandOff: 'call',
  SendEmail: 'call',
};

export function isWrite(decision: Decision): decision is WriteDecision {
  return kinds[decision.type] === 'write';
}

/** A rule: a pure function of the loaded state. Each capability owns its rules in its own `domain/`. */
export type Rule = (state: ReactorState) => readonly Decision[];
