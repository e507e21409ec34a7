import type { Contact } from '../shared/contact';
import { HttpError } from '../shared/http';
import type { FormSubmittedData } from './events';

/** One accepted post, ready to be stored. */
export interface IntakeSubmission {
  /** The uniqueness key (see domain/email.ts). */
  readonly email: string;
  readonly emailRole: boolean;
  /** The `form.submitted` event's data. */
  readonly data: FormSubmittedData;
  /** The submission's idempotency key (header or snippet submission id), scoped to the form by the store. */
  readonly idempotencyKey?: string;
  /**
   * A key derived from the post's content, used when it carries no idempotency key: the same post again within
   * {@link REPEAT_WINDOW_SECONDS} (a retry after a timeout, a double click) is the same submission, not a second one.
   */
  readonly contentKey?: string;
}

/** How long a post without an idempotency key is recognised when repeated: DynamoDB's own idempotency window. */
export const REPEAT_WINDOW_SECONDS = 10 * 60;

export interface RecordedIntake {
  readonly contactId: string;
  readonly eventId: string;
  /** True when this submission created the contact. */
  readonly created: boolean;
  /** True when the idempotency key was seen before: nothing was written, this is the first answer again. */
  readonly replayed: boolean;
  /**
   * True when the post's anonymous id was already linked to this contact and its activity merged (learnt from the
   * read the store makes anyway): there is nothing left to merge.
   */
  readonly anonymousMerged?: boolean;
}

/**
 * Form intake's own store: contact + event (+ idempotency record, + anonymous-id link) in ONE transaction, after
 * one consistent read; a bot counter; and the profile read progressive profiling needs.
 */
export interface Intake {
  record(submission: IntakeSubmission, at: Date): Promise<RecordedIntake>;
  /** Adds one to the daily counter of refused bots (nothing else about a bot is stored). */
  countBot(formId: string, reason: string, at: Date): Promise<void>;
  profile(contactId: string): Promise<Contact | undefined>;
}

/**
 * The store did not answer in time (stalled, throttled, unreachable) and nothing of the submission is stored, as far
 * as a read after the failure can tell. A retry is safe: the same post is recognised by its idempotency or content key.
 */
export class IntakeUnavailable extends Error {
  override name = 'IntakeUnavailable';
}

/**
 * The address belongs to a person who was erased (its keyed hash is on the suppression list): only a post with a
 * consent box ticked, fresh consent, may bring it back as a new contact. Nothing was written.
 */
export class ConsentRequiredAfterErasure extends HttpError {
  override name = 'ConsentRequiredAfterErasure';
  constructor() {
    super(422, 'consent_required', 'Please tick the consent box to sign up with this address.', {
      errors: [{ field: 'consent', message: 'is required for this address' }],
    });
  }
}
