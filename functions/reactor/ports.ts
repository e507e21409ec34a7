import type { Contact } from '../contacts/domain/contact';
import type { TimelineEvent } from '../shared/timeline';
import type { DecisionOf, WriteDecision } from './domain/decisions';

/** What loading an event's state can find. */
export type LoadedState =
  | { readonly type: 'Loaded'; readonly contact: Contact }
  /** The marker is set: a redelivered record, nothing to do. */
  | { readonly type: 'AlreadyProcessed' }
  /** The event or its contact is gone (erased): nothing to react to. */
  | { readonly type: 'Gone' };

export type CommitOutcome = { readonly type: 'Applied' } | { readonly type: 'AlreadyProcessed' };

/** The reactor's own reads and writes on the table. */
export interface ReactorStore {
  /** The contact of the event, read consistently, unless the event was processed already. */
  load(event: TimelineEvent): Promise<LoadedState>;
  /**
   * Sets the event's processed marker and applies every write decision in ONE transaction: all of them happen
   * exactly once, or none do and the record is retried.
   */
  commit(event: TimelineEvent, writes: readonly WriteDecision[], at: Date): Promise<CommitOutcome>;
}

/**
 * Queues CRM hand-offs (functions/crm): the reactor only enqueues, a worker calls the CRM with retries and parks
 * what keeps failing in a dead-letter queue. The worker dedupes by `idempotencyKey`, so enqueueing twice is safe.
 */
export interface HandOffQueue {
  enqueue(decision: DecisionOf<'HandOff'>): Promise<void>;
}

/** Starts journey executions. Implementations must make a second start with the same name a no-op. */
export interface JourneyStarter {
  start(decision: DecisionOf<'StartJourney'>): Promise<{ readonly type: 'Started' | 'AlreadyStarted' }>;
}
