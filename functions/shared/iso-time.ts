const DAY_MS = 86_400_000;

/**
 * Milliseconds of an ISO timestamp. Timeline times are always `toISOString()`'s `YYYY-MM-DDTHH:mm:ss.sssZ`, read
 * here from char codes: a replay parses every contribution's time against every later event, and this is several
 * times cheaper than `Date.parse` (anything else still goes through it).
 */
export function isoMs(iso: string): number {
  if (iso.length !== 24 || iso.charCodeAt(23) !== 90 /* Z */ || iso.charCodeAt(10) !== 84 /* T */) return Date.parse(iso);
  const year = digits(iso, 0, 4);
  const month = digits(iso, 5, 2);
  const day = digits(iso, 8, 2);
  // Not a plain calendar date (or NaN from a non-digit): let Date.parse judge it.
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31)) return Date.parse(iso);
  // Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146_097 + doe - 719_468;
  const ms = days * DAY_MS + digits(iso, 11, 2) * 3_600_000 + digits(iso, 14, 2) * 60_000 + digits(iso, 17, 2) * 1_000 + digits(iso, 20, 3);
  return Number.isNaN(ms) ? Date.parse(iso) : ms;
}

function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * `new Date(isoMs(iso) + seconds * 1000).toISOString()`, without formatting when it can be avoided: a whole number of
 * days after a time `toISOString()` wrote keeps its time of day, so only the date is looked up (cached per day).
 * `ms` is `isoMs(iso)`, when the caller has it.
 */
export function isoPlusSeconds(iso: string, seconds: number, ms = isoMs(iso)): string {
  const later = ms + seconds * 1_000;
  if (seconds % 86_400 !== 0 || !isCanonicalTime(iso, ms)) return new Date(later).toISOString();
  const date = dateOf(Math.floor(later / DAY_MS));
  return date === undefined ? new Date(later).toISOString() : date + iso.slice(10);
}

/** Whether `iso` is exactly what `toISOString()` writes for `ms`: its date is that day's and its time of day is in range. */
function isCanonicalTime(iso: string, ms: number): boolean {
  if (Number.isNaN(ms) || iso.length !== 24) return false;
  const date = dateOf(Math.floor(ms / DAY_MS));
  if (date === undefined || !iso.startsWith(date)) return false;
  return (
    iso.charCodeAt(10) === 84 /* T */ &&
    iso.charCodeAt(13) === 58 /* : */ &&
    iso.charCodeAt(16) === 58 &&
    iso.charCodeAt(19) === 46 /* . */ &&
    iso.charCodeAt(23) === 90 /* Z */ &&
    digits(iso, 11, 2) < 24 &&
    digits(iso, 14, 2) < 60 &&
    digits(iso, 17, 2) < 60 &&
    digits(iso, 20, 3) < 1_000
  );
}

// Day number → `YYYY-MM-DD` as `toISOString()` writes it (undefined outside years 0–9999, where it writes otherwise).
const dates = new Map<number, string | undefined>();
const MAX_CACHED_DATES = 100_000;
function dateOf(day: number): string | undefined {
  let date = dates.get(day);
  if (date === undefined && !dates.has(day)) {
    const ms = day * DAY_MS;
    const iso = Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : '';
    date = iso.length === 24 ? iso.slice(0, 10) : undefined;
    if (dates.size >= MAX_CACHED_DATES) dates.clear();
    dates.set(day, date);
  }
  return date;
}
