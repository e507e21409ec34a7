import type { SendEmail } from './domain/decisions';
import type { Contact, Subscription } from '../shared/contact';
import type { Membership } from '../journeys/domain/membership';
import type { TimelineEvent } from '../shared/timeline';
import type { RecentSend } from './domain/guards';
import type { ExperimentRef } from '../shared/experiment-ref';

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
  /** The experiment arm the send is in: its events carry it, so the experiments capability can count them. */
  readonly experiment?: ExperimentRef;
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
  /** The mail log's version as read (absent before its first versioned write): the cap's reservation checks it. */
  readonly mailLogVersion?: number;
  readonly record?: SendRecord;
  /** The contact's membership of the send's journey (journey sends only). */
  readonly membership?: Membership;
}

export type ClaimOutcome = { readonly type: 'Claimed' } | { readonly type: 'Exists'; readonly record: SendRecord };

/**
 * What a claim must still find true when it is written, so a decision made on the read cannot be overtaken:
 * the journey enrolment still running (an exit racing the send), and the mail log unchanged since it was read
 * (a concurrent marketing send taking the cap's last slot).
 */
export interface ClaimConditions {
  readonly enrolment?: { readonly journeyId: string; readonly executionName: string };
  /** The mail log with this send added, written only if its version is still `version`. */
  readonly mailLog?: { readonly sends: readonly RecentSend[]; readonly version?: number };
}

/** `Raced`: a condition no longer held (nothing was written); read again and decide again. */
export type ReserveOutcome = ClaimOutcome | { readonly type: 'Raced' };

/** The email capability's reads and writes on the table. */
/** A consent change: subscriptions replaced, and/or the contact suppressed (hard bounce or complaint). */
export interface ConsentChange {
  readonly subscriptions?: Readonly<Record<string, Subscription>>;
  readonly suppressed?: { readonly reason: 'bounce' | 'complaint'; readonly at: string };
}

export interface EmailStore {
  /**
   * The contact, its recent marketing sends, this send's record and (with `journeyId`) its journey membership, in
   * one consistent read.
   */
  loadForSend(contactId: string, sendId: string, journeyId?: string): Promise<SendState>;
  /** Records a guard's refusal and its `email.skipped` event, once per send. */
  recordSkip(record: SendRecord, event: TimelineEvent): Promise<ClaimOutcome>;
  /**
   * Claims the send before calling SES, in one write with its conditions (a marketing send takes its slot in the
   * mail log here); `Exists` when another attempt claimed it first, `Raced` when a condition no longer held.
   */
  claim(record: SendRecord, conditions?: ClaimConditions): Promise<ReserveOutcome>;
  /**
   * Marks the send sent and appends `email.sent`, in one transaction, only while it is `pending`; false (nothing
   * written) when it no longer was: the sender and an SES event settling the doubt (ses-events) both call it,
   * and whichever comes second finds the outcome recorded.
   */
  markSent(record: SendRecord, messageId: string, event: TimelineEvent): Promise<boolean>;
  /**
   * Marks the send failed and appends `email.failed`, only while it is `pending` (false otherwise); a marketing
   * send gives its mail-log slot back.
   */
  markFailed(record: SendRecord, error: string, event: TimelineEvent): Promise<boolean>;
  /** Drops a pending claim whose SES call was throttled (and its mail-log slot), so the retry can send. */
  release(record: SendRecord): Promise<void>;
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
    change: ConsentChange,
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

/**
 * The journey execution this send belongs to has no membership recorded yet: the reactor starts an execution
 * before it commits the membership, so a first step can outrun it. Step Functions retries the step with backoff.
 */
export class EnrolmentNotRecorded extends Error {
  override name = 'EnrolmentNotRecorded';
}

/** SES refused the email for another reason; recorded on the timeline, and the step fails into its Catch. */
export class EmailSendFailed extends Error {
  override name = 'EmailSendFailed';
}

/** Sends the emails rules decide on (the reactor's SendEmail call); idempotent by the decision's `idempotencyKey`. */
export interface EmailSender {
  send(decision: SendEmail): Promise<void>;
}
