import type { Contact } from '../contacts/domain/contact';
import type { DateIndexEntry, JourneyWait, Membership } from '../journeys/domain/membership';
import type { ReportState } from '../reports/domain/report-state';
import type { TimelineEvent } from '../shared/timeline';
import type { DecisionOf, WriteDecision } from './domain/decisions';

/** What loading an event's state can find. */
export type LoadedState =
  | {
      readonly type: 'Loaded';
      readonly contact: Contact;
      readonly memberships: readonly Membership[];
      readonly waits: readonly JourneyWait[];
      readonly dateIndex: readonly DateIndexEntry[];
      readonly reports?: ReportState;
      /** The profile's score and stage as stored, for `commit` to check that nothing rewrote them meanwhile. */
      readonly asLoaded: LifecycleAsLoaded;
    }
  /** The marker is set: a redelivered record, nothing to do. */
  | { readonly type: 'AlreadyProcessed' }
  /** The event or its contact is gone (erased): nothing to react to. */
  | { readonly type: 'Gone' };

export type CommitOutcome = { readonly type: 'Applied' } | { readonly type: 'AlreadyProcessed' };

/**
 * The profile's `score` and `stage` exactly as stored when the event was loaded (`undefined`: absent). The stored
 * values, not the parsed contact's: a field the schema drops would otherwise make every comparison fail, and the
 * record would never get through.
 */
export interface LifecycleAsLoaded {
  readonly score: unknown;
  readonly stage: unknown;
}

/**
 * The profile's score or stage was rewritten between the reactor's load and its commit (by `npm run rescore`), so
 * the score the rules computed is stale: the transaction wrote nothing, and the record fails so that the stream
 * retries it, loading the profile again and recomputing. Not a duplicate: the processed marker was not set.
 */
export class LifecycleConflict extends Error {
  override name = 'LifecycleConflict';
}

/** The reactor's own reads and writes on the table. */
export interface ReactorStore {
  /** The contact of the event, read consistently, unless the event was processed already. */
  load(event: TimelineEvent): Promise<LoadedState>;
  /**
   * Sets the event's processed marker and applies every write decision in ONE transaction: all of them happen
   * exactly once, or none do and the record is retried. A lifecycle update (score, stage) applies only to the
   * profile as loaded (`asLoaded`); otherwise the commit throws {@link LifecycleConflict}.
   */
  commit(event: TimelineEvent, writes: readonly WriteDecision[], at: Date, asLoaded: LifecycleAsLoaded): Promise<CommitOutcome>;
}

/**
 * Queues CRM hand-offs (functions/crm): the reactor only enqueues, a worker calls the CRM with retries and parks
 * what keeps failing in a dead-letter queue. The worker dedupes by `idempotencyKey`, so enqueueing twice is safe.
 */
export interface HandOffQueue {
  enqueue(decision: DecisionOf<'HandOff'>): Promise<void>;
}

/** Sends the emails rules decide on (functions/email); idempotent by the decision's `idempotencyKey`. */
export interface EmailSender {
  send(decision: DecisionOf<'SendEmail'>): Promise<void>;
}

/**
 * Starts, stops and resumes journey executions. Each call is idempotent: a second start with the same name, a
 * stop of an execution that already ended, a resume with a token already used are no-ops.
 */
export interface JourneyStarter {
  start(decision: DecisionOf<'StartJourney'>): Promise<{ readonly type: 'Started' | 'AlreadyStarted' }>;
  stop(decision: DecisionOf<'StopJourney'>): Promise<{ readonly type: 'Stopped' | 'NotRunning' }>;
  resume(decision: DecisionOf<'ResumeJourney'>): Promise<{ readonly type: 'Resumed' | 'NotWaiting' }>;
}
