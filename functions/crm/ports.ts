import type { HandOff } from '../shared/decisions';
import type { Contact } from '../shared/contact';
import type { NewTimelineEvent } from '../shared/timeline';
import type { Lead } from './lead';

/** One CRM, behind one shape: HubSpot, Salesforce or a generic signed webhook. */
export interface CrmAdapter {
  /** `hubspot`, `salesforce`, `webhook`: stored with the CRM id on the contact. */
  readonly provider: string;
  /** Creates or updates the contact's one record; idempotent (upsert by email or external id). */
  upsert(lead: Lead, idempotencyKey: string): Promise<{ readonly crmId: string }>;
  /** Leaves the rep a note or task with the score explanation, once per hand-off. */
  followUp?(crmId: string, lead: Lead, idempotencyKey: string): Promise<void>;
}

/**
 * The CRM records associated with a deal (HubSpot: the deal's contacts), for feedback that arrives about a deal
 * (won, lost) rather than about a contact. `undefined` when the CRM does not know the deal, `[]` when it has no
 * contacts. 429, 5xx and timeouts throw `CrmUnavailable`, other refusals `CrmRejected`.
 */
export interface DealContacts {
  contactsOfDeal(dealId: string): Promise<readonly string[] | undefined>;
}

export interface RecordedHandOff {
  readonly provider: string;
  readonly crmId: string;
}

/** One hand-off's claim on a contact, from the moment it reads the contact until it has recorded the outcome. */
export interface HandOffLease {
  readonly contactId: string;
  /** Unique per attempt, so neither a duplicate delivery of the same request nor a retry shares a live lease. */
  readonly owner: string;
  /** The holder's `source` (`reactor`, `journey:<id>/<step>`), for logs. */
  readonly source: string;
  /** Wall-clock time: a lease runs out at `until`, whatever the business clock says. */
  readonly now: Date;
  readonly until: Date;
}

/** The CRM capability's reads and writes on the table. */
export interface CrmStore {
  contact(contactId: string): Promise<Contact | undefined>;
  /**
   * Whether the contact's profile reflects this timeline event: the reactor has processed it (its score and stage
   * are written), or no such event is stored (nothing to wait for).
   */
  eventSettled(contactId: string, eventId: string): Promise<boolean>;
  /** The hand-off already made under this idempotency key, if any. */
  priorHandOff(idempotencyKey: string): Promise<RecordedHandOff | undefined>;
  /**
   * Takes the contact's hand-off lease for `owner` if no hand-off holds it or its holder's time ran out (a crashed
   * holder); `false` when another holds it. One conditional write: of two hand-offs racing, exactly one takes it.
   */
  takeHandOffLease(lease: HandOffLease): Promise<boolean>;
  /** Gives the lease back if `owner` still holds it (a hand-off that skipped or failed); otherwise leaves it. */
  releaseHandOffLease(contactId: string, owner: string): Promise<void>;
  /**
   * In one transaction: the idempotency record, the CRM link on the profile (findable by CRM id), the
   * `crm.handed_off` event and, with `leaseOwner`, the release of the hand-off lease that owner still holds.
   */
  recordHandOff(handOff: {
    readonly contactId: string;
    readonly idempotencyKey: string;
    readonly provider: string;
    readonly crmId: string;
    readonly reason?: string;
    readonly source: string;
    readonly at: Date;
    readonly leaseOwner?: string;
  }): Promise<void>;
  /** Appends `crm.handoff_failed` (deterministic id: once per key). */
  recordFailure(failure: {
    readonly contactId: string;
    readonly idempotencyKey: string;
    readonly provider: string;
    readonly error: string;
    readonly attempts?: number;
    readonly source: string;
    readonly at: Date;
  }): Promise<void>;
  failureRecorded(contactId: string, idempotencyKey: string): Promise<boolean>;
  /** Appends `crm.handoff_skipped` (deterministic id: once per key), e.g. when no CRM is configured. */
  recordSkip(skip: {
    readonly contactId: string;
    readonly idempotencyKey: string;
    readonly reason: string;
    readonly source: string;
    readonly at: Date;
  }): Promise<void>;
  /** The contact a CRM record belongs to (through GSI1), or by email. */
  findContact(by: { readonly provider?: string; readonly crmId?: string; readonly email?: string; readonly contactId?: string }): Promise<string | undefined>;
  appendEvent(contactId: string, event: NewTimelineEvent): Promise<'appended' | 'duplicate' | 'no-such-contact'>;
}

/** Where a hand-off the journey step could not make is parked: the hand-off queue, retried by its worker. */
export interface HandOffParking {
  park(request: { readonly contactId: string; readonly idempotencyKey: string; readonly reason?: string; readonly source: string }): Promise<void>;
}

/**
 * Postpones the next delivery of a queue message (SQS ChangeMessageVisibility): the worker's backoff, so a CRM's
 * Retry-After longer than the in-invocation wait is honoured instead of the queue's fixed visibility timeout.
 */
export interface MessageVisibility {
  postpone(message: { readonly receiptHandle: string }, seconds: number): Promise<void>;
}

/**
 * Queues CRM hand-offs (the reactor's HandOff call): the reactor only enqueues, a worker calls the CRM with retries
 * and parks what keeps failing in a dead-letter queue. The worker dedupes by `idempotencyKey`, so enqueueing twice
 * is safe.
 */
export interface HandOffQueue {
  enqueue(decision: HandOff): Promise<void>;
}
