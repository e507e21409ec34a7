import type { Contact, Subscription } from '../contacts/domain/contact';
import type { TimelineEvent } from '../shared/timeline';
import type { RecentSend } from './domain/guards';

/**
 * One send's idempotency record, written before SES is called: the send is claimed (`pending`) once, and its
 * outcome recorded. It also keeps what tracking needs later (the original URLs by link index), so click tokens
 * carry only an index and the redirect can only go where the email linked.
 */
export interface SendRecord {
  readonly sendId: string;
  readonly contactId: string;
  readonly templateId: string;
  readonly kind: 'marketing' | 'transactional';
  readonly topic?: string;
  readonly journeyId?: string;
  readonly stepId?: string;
  readonly status: 'pending' | 'sent' | 'skipped' | 'failed';
  /** The id of the timeline event that records the outcome, fixed at claim time so a retry reuses it. */
  readonly eventId: string;
  readonly messageId?: string;
  readonly reason?: string;
  readonly links: readonly string[];
  readonly createdAt: string;
}

export interface SendState {
  readonly contact?: Contact;
  /** Marketing sends of the last days (frequency cap). */
  readonly recent: readonly RecentSend[];
  readonly record?: SendRecord;
}

export type ClaimOutcome = { readonly type: 'Claimed' } | { readonly type: 'Exists'; readonly record: SendRecord };

/** The email capability's reads and writes on the table. */
export interface EmailStore {
  /** The contact, its recent marketing sends and this send's record, in one consistent read. */
  loadForSend(contactId: string, sendId: string): Promise<SendState>;
  /** Records a guard's refusal and its `email.skipped` event, once per send. */
  recordSkip(record: SendRecord, event: TimelineEvent): Promise<ClaimOutcome>;
  /** Claims the send before calling SES; `Exists` when another attempt claimed it first. */
  claim(record: SendRecord): Promise<ClaimOutcome>;
  /** Marks the send sent and appends `email.sent` (and logs a marketing send for the cap), in one transaction. */
  markSent(record: SendRecord, messageId: string, event: TimelineEvent, recent: readonly RecentSend[]): Promise<void>;
  /** Marks the send failed and appends `email.failed`. */
  markFailed(record: SendRecord, error: string, event: TimelineEvent): Promise<void>;
  /** Drops a pending claim whose SES call was throttled, so the retry can send. */
  release(sendId: string): Promise<void>;
  getSend(sendId: string): Promise<SendRecord | undefined>;
  /** Notes a click on the send and returns its record with the time of the previous click (machine detection). */
  noteClick(sendId: string, at: Date): Promise<{ record: SendRecord; previousClickAt?: string } | undefined>;
  /** Appends an event that needs no other write (engagement, delivery); false when its id was appended before. */
  append(event: TimelineEvent): Promise<boolean>;
  /**
   * Applies subscription changes and suppression to the profile and appends their events, in one transaction;
   * false when the first event's id was appended before (a redelivered SES event).
   */
  updateConsent(
    contactId: string,
    change: {
      readonly subscriptions?: Readonly<Record<string, Subscription>>;
      readonly suppressed?: { readonly reason: 'bounce' | 'complaint'; readonly at: string };
    },
    events: readonly TimelineEvent[],
    at: string,
  ): Promise<boolean>;
  getContact(contactId: string): Promise<Contact | undefined>;
  /** Notes that a double opt-in reminder is due on `day` (yyyy-mm-dd) unless the topic is confirmed by then. */
  scheduleReminder(due: ReminderDue): Promise<void>;
  /** Reminders due on `day`. */
  remindersDue(day: string): Promise<ReminderDue[]>;
  /** Forgets a due reminder (sent, or no longer needed). */
  dropReminder(due: ReminderDue): Promise<void>;
}

export interface ReminderDue {
  readonly day: string;
  readonly contactId: string;
  readonly topic: string;
  readonly formId: string;
}

/** One email as SES receives it. */
export interface OutgoingEmail {
  readonly from: string;
  readonly to: string;
  readonly replyTo?: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  /** SES message tags: they come back in every SES event, which is how an event finds its contact and send. */
  readonly tags: Readonly<Record<string, string>>;
}

/** The outbound email service. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<{ readonly messageId: string }>;
}

/** SES is throttling this account (rate or quota): Step Functions retries the step with backoff. */
export class SesThrottled extends Error {
  override name = 'SesThrottled';
}

/** SES refused the email for another reason; recorded on the timeline, and the step fails into its Catch. */
export class EmailSendFailed extends Error {
  override name = 'EmailSendFailed';
}
