import type { Inbound } from './domain/messages';

/** What became of one message. */
export type StoreOutcome =
  /** On the contact's timeline (the reactor gets it from the stream). */
  | { readonly type: 'Stored'; readonly contactId: string; readonly eventId: string }
  /** Kept under its anonymous (or not yet known user) id until an identify or a form post links it. */
  | { readonly type: 'Pending'; readonly eventId: string }
  | { readonly type: 'Invalid'; readonly error: string };

/** The tracking store: Segment messages onto timelines, anonymous activity kept and merged. */
export interface Tracking {
  /** Stores messages in order; a bad one is reported, never fails the others. */
  store(messages: readonly Inbound[], receivedAt: Date): Promise<StoreOutcome[]>;
  /**
   * Moves everything kept under an anonymous id onto the contact it is linked to (no-op when not linked).
   * Idempotent, and safe to run concurrently with itself and with new messages for that id.
   */
  mergeAnonymous(anonymousId: string): Promise<{ merged: number }>;
}
