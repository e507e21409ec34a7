import type { JourneyDecisionOf } from './domain/decisions';
import type { Contact } from '../shared/contact';
import type { TimelineEvent } from '../shared/timeline';
import type { ContactUpdatedData } from './events';
import type { JourneyWait, Membership } from './domain/membership';

/** What journey step handlers and the enrolment API read and write, apart from its DynamoDB adapter. */
export interface JourneyStore {
  contact(contactId: string): Promise<Contact | undefined>;
  /** The ids of the segments the contact is a member of now (its `SEG#` items, written by segments). */
  memberSegments(contactId: string): Promise<string[]>;
  /** The contact's events that occurred at or after `since`, newest first. */
  eventsSince(contactId: string, since: string): Promise<TimelineEvent[]>;
  membership(contactId: string, journeyId: string): Promise<Membership | undefined>;
  putWait(contactId: string, wait: JourneyWait): Promise<void>;
  /**
   * Puts a wait for the confirmation of a double opt-in, only while the contact's consent to `topic` is still
   * `pending`, checked in the same write: a confirmation recorded before it is `NotPending`, one after it finds
   * the wait. Either way none is missed.
   */
  putConfirmationWait(contactId: string, wait: JourneyWait, topic: string): Promise<'Registered' | 'NotPending'>;
  /**
   * Applies an update-contact step and appends its `contact.updated` event (deterministic id) in one
   * transaction; a retried step finds the event and changes nothing.
   */
  updateContact(contactId: string, change: ContactUpdatedData, eventId: string, at: string): Promise<'Updated' | 'AlreadyApplied' | 'NoSuchContact'>;
  /**
   * Marks the membership of this execution ended (only if it is still this execution's and running), appends
   * `event` once (deterministic id) and deletes the execution's waits, together. When the membership had ended already, the event is appended
   * alone unless `onlyIfRunning`.
   */
  finish(
    contactId: string,
    journeyId: string,
    executionName: string,
    status: 'completed' | 'failed' | 'exited',
    event: TimelineEvent,
    options?: { readonly onlyIfRunning?: boolean },
  ): Promise<void>;
  /** Appends an event once (deterministic id). */
  append(event: TimelineEvent): Promise<'Appended' | 'AlreadyAppended' | 'NoSuchContact'>;
  /** The response stored for an Idempotency-Key, if a request with it succeeded in the last 24 hours. */
  savedResponse(scope: string, key: string): Promise<{ readonly status: number; readonly body: unknown } | undefined>;
  saveResponse(scope: string, key: string, response: { readonly status: number; readonly body: unknown }, at: Date): Promise<void>;
}

/** Signs and posts a webhook step's body. */
export interface WebhookSender {
  post(url: string, body: string, idempotencyKey: string): Promise<{ readonly status: number }>;
}

/**
 * Starts, stops and resumes journey executions (the journeys' reactor calls). Each call is idempotent: a second
 * start with the same name, a stop of an execution that already ended, a resume with a token already used are no-ops.
 */
export interface JourneyStarter {
  start(decision: JourneyDecisionOf<'StartJourney'>): Promise<{ readonly type: 'Started' | 'AlreadyStarted' }>;
  stop(decision: JourneyDecisionOf<'StopJourney'>): Promise<{ readonly type: 'Stopped' | 'NotRunning' }>;
  resume(decision: JourneyDecisionOf<'ResumeJourney'>): Promise<{ readonly type: 'Resumed' | 'NotWaiting' }>;
}

/** What the journey migrator (functions/journeys/journey-migrate.ts) reads and writes, apart from its DynamoDB adapter. */
export interface JourneyVersionStore extends Pick<JourneyStore, 'membership' | 'finish'> {
  /**
   * Moves a running membership from the execution `from` to the migrated one, with the `journey.migrated` event and
   * without the old execution's waits, in one transaction. `AlreadyMigrated`: it points at `to.executionName` already.
   */
  migrate(
    contactId: string,
    journeyId: string,
    from: string,
    to: { readonly executionName: string; readonly version: string },
    event: TimelineEvent,
  ): Promise<'Migrated' | 'AlreadyMigrated' | 'NotRunning'>;
}
