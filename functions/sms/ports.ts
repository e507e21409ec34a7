import type { Contact } from '../shared/contact';
import type { Membership } from '../journeys/domain/membership';
import type { TimelineEvent } from '../shared/timeline';
import type { RecentSend } from './domain/guards';

/**
 * One journey text message's record (`IDEM#sms#<sendId>`): claimed `pending` before End User Messaging is called,
 * then `sent`, `skipped` or `failed`. It holds ids and counts, never the number or the text.
 */
export interface SmsSendRecord {
  readonly sendId: string;
  readonly contactId: string;
  readonly templateId: string;
  readonly topic?: string;
  readonly journeyId?: string;
  readonly stepId?: string;
  readonly status: 'pending' | 'sent' | 'skipped' | 'failed';
  /** The id of the outcome's timeline event (one per send, whoever records it). */
  readonly eventId: string;
  readonly messageId?: string;
  readonly reason?: string;
  readonly parts?: number;
  readonly encoding?: 'GSM-7' | 'UCS-2';
  readonly createdAt: string;
}

/** What one send reads, in one consistent read. */
export interface SmsSendState {
  readonly contact?: Contact;
  /** The mail log's slots: marketing email and SMS sends inside the frequency cap's period. */
  readonly recent: readonly RecentSend[];
  readonly mailLogVersion?: number;
  readonly record?: SmsSendRecord;
  readonly membership?: Membership;
}

export type SmsClaimOutcome = { readonly type: 'Claimed' } | { readonly type: 'Exists'; readonly record: SmsSendRecord } | { readonly type: 'Raced' };

/** What a claim rests on: the enrolment still running, and the mail log unchanged since it was read. */
export interface SmsClaimConditions {
  readonly enrolment?: { readonly journeyId: string; readonly executionName: string };
  readonly mailLog?: { readonly sends: readonly RecentSend[]; readonly version?: number };
  /** The number texted: its phone index item is written with the claim (inbound replies find the contact by it). */
  readonly phone?: string;
}

/** The SMS send records, in the single table. */
export interface SmsStore {
  loadForSend(contactId: string, sendId: string, journeyId?: string): Promise<SmsSendState>;
  /** Records a skip and its `sms.skipped` event, unless the send was recorded before (then: that record). */
  recordSkip(record: SmsSendRecord, event: TimelineEvent): Promise<SmsClaimOutcome>;
  /** Claims the send (`pending`) with its mail-log slot, before End User Messaging is called. */
  claim(record: SmsSendRecord, conditions: SmsClaimConditions): Promise<SmsClaimOutcome>;
  /** `pending` → `sent` with `sms.sent`, in one transaction; false when it was settled before. */
  markSent(record: SmsSendRecord, messageId: string, event: TimelineEvent): Promise<boolean>;
  /** `pending` → `failed` with `sms.failed`; the mail-log slot is given back. */
  markFailed(record: SmsSendRecord, error: string, event: TimelineEvent): Promise<boolean>;
  /** Drops a pending claim (the call was throttled, nothing went out) and gives its slot back, for the retry. */
  release(record: SmsSendRecord): Promise<void>;
  getSend(sendId: string): Promise<SmsSendRecord | undefined>;
}

/** One text to one number. `context` comes back on delivery events (End User Messaging's `Context`). */
export interface OutgoingSms {
  readonly to: string;
  readonly body: string;
  readonly context: Readonly<Record<string, string>>;
}

/** End User Messaging SMS, as the SMS capability uses it: sending, and the account's opt-out list. */
export interface SmsGateway {
  send(message: OutgoingSms): Promise<{ readonly messageId: string }>;
  isOptedOut(phone: string): Promise<boolean>;
  /** Puts the number on the opt-out list (a STOP). */
  optOut(phone: string): Promise<void>;
  /** Takes it off again (a START). */
  optIn(phone: string): Promise<void>;
}

/** End User Messaging throttled the call (or was briefly unavailable): nothing was sent; Step Functions retries. */
export class SmsThrottled extends Error {
  override name = 'SmsThrottled';
}

/** End User Messaging refused the message for good (a bad number, a missing origination identity, …). */
export class SmsSendFailed extends Error {
  override name = 'SmsSendFailed';
}
