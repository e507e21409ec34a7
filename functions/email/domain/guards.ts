import type { Contact } from '../../shared/contact';
import { contactTimeZone, localMinutes, nextLocalTime, toMinutes } from '../../shared/local-clock';
import type { EmailSettings, TemplateMeta } from './settings';

/** One marketing send in the contact's recent history (kept in its mail log, for the frequency cap). */
export interface RecentSend {
  readonly at: string;
  readonly sendId: string;
}

/** What the guards say about one send. Outcomes are values: only a failure to decide is an error. */
export type GuardOutcome =
  | { readonly type: 'Send' }
  | { readonly type: 'Skip'; readonly reason: SkipReason }
  | { readonly type: 'Defer'; readonly until: string };

export type SkipReason =
  /** Permanent bounce or complaint: nothing goes to this address any more. */
  | 'suppressed'
  /** The contact unsubscribed from this topic, or from all marketing. */
  | 'unsubscribed'
  /** A double opt-in confirmation is outstanding. */
  | 'unconfirmed'
  /** `frequencyCap.max` marketing emails in the last `frequencyCap.days` days already. */
  | 'frequency_cap';

/**
 * The guards before every send, in order: suppression (every email), then for marketing only: consent for the
 * template's topic, the frequency cap and the send window.
 *
 * Consent without a record: a contact with no subscription record for a topic submitted a form or was added by
 * the business, and is treated as subscribed until they unsubscribe (soft opt-in). Forms that require double
 * opt-in write a `pending` record first, which blocks marketing until it is confirmed.
 */
export function checkGuards(input: {
  readonly contact: Contact;
  readonly template: TemplateMeta;
  readonly recent: readonly RecentSend[];
  readonly settings: EmailSettings;
  readonly now: Date;
}): GuardOutcome {
  const { contact, template, settings, now } = input;
  if (contact.suppressed) return { type: 'Skip', reason: 'suppressed' };
  if (template.kind === 'transactional') return { type: 'Send' };

  const consent = consentFor(contact, template.topic);
  if (consent === 'unsubscribed') return { type: 'Skip', reason: 'unsubscribed' };
  if (consent === 'pending') return { type: 'Skip', reason: 'unconfirmed' };

  const since = now.getTime() - settings.frequencyCap.days * 86_400_000;
  const inWindow = input.recent.filter((send) => Date.parse(send.at) > since).length;
  if (inWindow >= settings.frequencyCap.max) return { type: 'Skip', reason: 'frequency_cap' };

  const opens = nextWindowOpening(now, timeZoneOf(contact, settings), settings.sendWindow);
  // Whole seconds: Step Functions Wait states read `until` as an RFC 3339 timestamp.
  return opens ? { type: 'Defer', until: opens.toISOString().replace(/\.\d{3}Z$/, 'Z') } : { type: 'Send' };
}

/**
 * Whether a journey send's execution is still the contact's running enrolment:
 * - `running`: the membership names this execution and it runs;
 * - `ended`: it names this execution and it ended (goal, exit, completion), or another execution runs (a contact
 *   is never in a journey twice at a time, so this one ended);
 * - `not_recorded`: no membership, or another execution's that ended: the reactor starts an execution before it
 *   commits the membership, so a first step can find the previous enrolment or none.
 */
export function enrolmentOf(membership: { readonly executionName: string; readonly status: string } | undefined, executionName: string): 'running' | 'ended' | 'not_recorded' {
  if (membership?.executionName === executionName) return membership.status === 'running' ? 'running' : 'ended';
  if (membership?.status === 'running') return 'ended';
  return 'not_recorded';
}

/** A contact's consent for a topic: `all` unsubscribed wins over any topic record. */
export function consentFor(contact: Contact, topic: string): 'subscribed' | 'unsubscribed' | 'pending' {
  const subscriptions = contact.subscriptions ?? {};
  if (subscriptions.all?.status === 'unsubscribed') return 'unsubscribed';
  return subscriptions[topic]?.status ?? 'subscribed';
}

/** The contact's IANA time zone (attribute `time_zone`), or the configured default when absent or invalid. */
export function timeZoneOf(contact: Contact, settings: EmailSettings): string {
  return contactTimeZone(contact, settings.sendWindow.defaultTimeZone);
}

/**
 * When the send window next opens, or undefined when `now` is inside it. The window is [start, end) in the
 * contact's local time; the answer is exact across DST changes because it is found minute by minute in UTC.
 */
export function nextWindowOpening(
  now: Date,
  timeZone: string,
  window: { readonly start: string; readonly end: string },
): Date | undefined {
  const local = localMinutes(now, timeZone);
  const start = toMinutes(window.start);
  const end = toMinutes(window.end);
  if (local >= start && local < end) return undefined;
  return nextLocalTime(now, timeZone, start);
}

