import type { Contact } from './contact';

/**
 * Local wall-clock arithmetic in IANA time zones, shared by every "not before this local hour" rule (the email
 * send window, SMS quiet hours). Pure: `Intl` only.
 */

/** Minutes since local midnight of `at` in `timeZone`. */
export function localMinutes(at: Date, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(at);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0) % 24;
  const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

/** `HH:MM` as minutes since midnight. */
export function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The contact's `time_zone` attribute when it is a known zone, else `fallback`. */
export function contactTimeZone(contact: Contact, fallback: string): string {
  const zone = contact.attributes.time_zone;
  return typeof zone === 'string' && isKnownTimeZone(zone) ? zone : fallback;
}

/**
 * The next moment after `now` at which the local clock of `timeZone` reads `minutes` (today if still ahead, else
 * tomorrow): counted in minutes, then confirmed against the zone's real clock, so it is exact across a DST change.
 */
export function nextLocalTime(now: Date, timeZone: string, minutes: number): Date {
  const ahead = (minutes - localMinutes(now, timeZone) + 1_440) % 1_440 || 1_440;
  let candidate = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + ahead * 60_000);
  for (let i = 0; i < 3; i++) {
    let drift = localMinutes(candidate, timeZone) - minutes;
    if (drift === 0) break;
    if (drift > 720) drift -= 1_440;
    if (drift < -720) drift += 1_440;
    candidate = new Date(candidate.getTime() - drift * 60_000);
  }
  return candidate;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}
