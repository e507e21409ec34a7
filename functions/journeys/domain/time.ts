import type { SendWindow } from './journey-file';

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

interface LocalParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly weekday: (typeof WEEKDAYS)[number];
}

/** The wall-clock date and time of an instant in a time zone. */
export function localParts(at: Date, timeZone: string): LocalParts {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: String(parts.weekday).toLowerCase().slice(0, 3) as LocalParts['weekday'],
  };
}

/** The instant a wall-clock time in a time zone happens (the later one across a DST gap). */
export function zonedTime(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  let guess = asUtc;
  for (let i = 0; i < 3; i++) {
    const p = localParts(new Date(guess), timeZone);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
    guess += asUtc - shown;
  }
  return new Date(guess);
}

/** Now, if `now` is inside the window; otherwise when it next opens (in the given zone). */
export function nextWindowOpening(now: Date, window: SendWindow, timeZone: string): Date {
  const [start, end] = window.hours.split('-').map((hhmm) => {
    const [h, m] = hhmm.split(':').map(Number);
    return h! * 60 + m!;
  }) as [number, number];
  const local = localParts(now, timeZone);
  const minuteOfDay = local.hour * 60 + local.minute;
  if (window.days.includes(local.weekday) && minuteOfDay >= start && minuteOfDay < end) return now;
  for (let offset = 0; offset <= 7; offset++) {
    const date = new Date(Date.UTC(local.year, local.month - 1, local.day + offset));
    const weekday = WEEKDAYS[date.getUTCDay()]!;
    if (!window.days.includes(weekday)) continue;
    const opening = zonedTime(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), Math.floor(start / 60), start % 60, timeZone);
    if (opening.getTime() > now.getTime()) return opening;
  }
  return now;
}

/** The start of a date's day (`YYYY-MM-DD`) in a time zone, shifted by `offsetSeconds`. */
export function dateInZone(date: string, offsetSeconds: number, timeZone: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  if (!match) return undefined;
  const start = zonedTime(Number(match[1]), Number(match[2]), Number(match[3]), 0, 0, timeZone);
  return new Date(start.getTime() + offsetSeconds * 1_000);
}

/** A usable IANA zone from a contact attribute, or the fallback. */
export function zoneOr(candidate: unknown, fallback: string): string {
  if (typeof candidate !== 'string' || candidate === '') return fallback;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: candidate });
    return candidate;
  } catch {
    return fallback;
  }
}
