import type { CapabilityState, WriteDecision } from '../capabilities';
import type { Contact } from '../shared/contact';
import type { TimelineEvent } from '../shared/timeline';

/** What loading an event's state can find. */
export type LoadedState =
  | ({
      readonly type: 'Loaded';
      readonly contact: Contact;
      /** What the capabilities read of the stored profile, for `commit` to check that nothing rewrote it meanwhile. */
      readonly asLoaded: Readonly<Record<string, unknown>>;
    } & Partial<CapabilityState>)
  /** The marker is set: a redelivered record, nothing to do. */
  | { readonly type: 'AlreadyProcessed' }
  /** The event or its contact is gone (erased): nothing to react to. */
  | { readonly type: 'Gone' };

export type CommitOutcome = { readonly type: 'Applied' } | { readonly type: 'AlreadyProcessed' };

/** The reactor's own reads and writes on the table. */
export interface ReactorStore {
  /** The contact of the event and every capability's per-contact state, read consistently, unless the event was processed already. */
  load(event: TimelineEvent): Promise<LoadedState>;
  /**
   * Sets the event's processed marker and applies every write decision in ONE transaction: all of them happen
   * exactly once, or none do and the record is retried. A write conditional on the state as loaded (`asLoaded`)
   * that is refused throws its capability's {@link WriteConflict}.
   */
  commit(event: TimelineEvent, writes: readonly WriteDecision[], at: Date, asLoaded: Readonly<Record<string, unknown>>): Promise<CommitOutcome>;
}
