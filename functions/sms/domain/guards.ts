import type { Contact } from '../../shared/contact';
import { contactTimeZone, localMinutes, nextLocalTime, toMinutes } from '../../shared/local-clock';

/**
 * The guards before every journey text message. Pure: the same contact, list answer and clock give the same outcome.
 *
 * Consent: SMS marketing needs express consent (the US TCPA, and most countries' rules on texts), so a text goes
 * out only to a contact with a `subscribed` SMS record for the journey's topic, or for `all`. No record is no
 * consent: unlike email, there is no soft opt-in for SMS. `all` unsubscribed (an SMS STOP) wins over any topic.
 * A journey without a topic needs `all` subscribed.
 */

/** One marketing send (email or SMS) in the contact's mail log: the frequency cap counts both channels. */
export interface RecentSend {
  readonly at: string;
  readonly sendId: string;
}

export type SmsSkipReason =
  /** The profile has no mobile number. */
  | 'no_phone'
  /** No `subscribed` SMS record for the topic or for `all`. */
  | 'no_consent'
  /** SMS consent withdrawn for the topic or for `all` (a STOP texted back, the API, an import). */
  | 'unsubscribed'
  /** The number is on the account's opt-out list (End User Messaging). */
  | 'opted_out'
  /** `frequencyCap.max` marketing messages (email and SMS together) in the last `frequencyCap.days` days already. */
  | 'frequency_cap';

export type SmsGuardOutcome =
  | { readonly type: 'Send' }
  | { readonly type: 'Skip'; readonly reason: SmsSkipReason }
  /** Inside quiet hours: try again at `until` (ISO, whole seconds). */
  | { readonly type: 'Defer'; readonly until: string };

/** Local hours no text goes out in: `start` → `end`, overnight when `start` is later than `end` (21:00 → 08:00). */
export interface QuietHours {
  readonly start: string;
  readonly end: string;
}

/** Parses `HH:MM-HH:MM` (config `sms.quietHours`). */
export function parseQuietHours(text: string): QuietHours {
  const match = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!match) throw new Error(`quiet hours are "HH:MM-HH:MM" in the contact's time zone, not "${text}"`);
  return { start: text.slice(0, 5), end: text.slice(6) };
}

/** The contact's SMS consent for a topic: `all` unsubscribed wins; then the topic's record; then `all`'s. */
export function smsConsentFor(contact: Contact, topic: string | undefined): 'subscribed' | 'unsubscribed' | 'none' {
  const records = contact.smsSubscriptions ?? {};
  if (records.all?.status === 'unsubscribed') return 'unsubscribed';
  const own = topic === undefined ? undefined : records[topic]?.status;
  if (own === 'unsubscribed') return 'unsubscribed';
  if (own === 'subscribed' || records.all?.status === 'subscribed') return 'subscribed';
  return 'none';
}

/**
 * The guards, in order: a number, consent, the account's opt-out list, the frequency cap shared with email, then
 * quiet hours (a deferral, not a skip: the journey waits and sends when they end).
 */
export function checkSmsGuards(input: {
  readonly contact: Contact;
  readonly topic: string | undefined;
  /** Whether the number is on the account's opt-out list (undefined: not asked, no number). */
  readonly optedOut: boolean | undefined;
  readonly recent: readonly RecentSend[];
  readonly frequencyCap: { readonly max: number; readonly days: number };
  readonly quietHours: QuietHours | undefined;
  readonly timeZone: string;
  readonly now: Date;
}): SmsGuardOutcome {
  const { contact, now } = input;
  if (!contact.phone) return { type: 'Skip', reason: 'no_phone' };
  const consent = smsConsentFor(contact, input.topic);
  if (consent === 'unsubscribed') return { type: 'Skip', reason: 'unsubscribed' };
  if (consent === 'none') return { type: 'Skip', reason: 'no_consent' };
  if (input.optedOut) return { type: 'Skip', reason: 'opted_out' };
  const since = now.getTime() - input.frequencyCap.days * 86_400_000;
  if (input.recent.filter((send) => Date.parse(send.at) > since).length >= input.frequencyCap.max) return { type: 'Skip', reason: 'frequency_cap' };
  const until = input.quietHours ? quietHoursEnd(now, input.timeZone, input.quietHours) : undefined;
  // Whole seconds: Step Functions Wait states read `until` as an RFC 3339 timestamp.
  return until ? { type: 'Defer', until: until.toISOString().replace(/\.\d{3}Z$/, 'Z') } : { type: 'Send' };
}

/**
 * When the quiet hours around `now` end, or undefined when `now` is outside them. Found on the zone's real clock,
 * so it is exact across a DST change in between.
 */
export function quietHoursEnd(now: Date, timeZone: string, quiet: QuietHours): Date | undefined {
  const local = localMinutes(now, timeZone);
  const start = toMinutes(quiet.start);
  const end = toMinutes(quiet.end);
  const inside = start <= end ? local >= start && local < end : local >= start || local < end;
  if (!inside || start === end) return undefined;
  return nextLocalTime(now, timeZone, end);
}

/** The contact's IANA time zone (attribute `time_zone`), or `fallback` (the journey's) when absent or invalid. */
export function smsTimeZoneOf(contact: Contact, fallback: string): string {
  return contactTimeZone(contact, fallback);
}
