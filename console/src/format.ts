/** Numbers, rates, money and dates as a person reads them: the viewer's locale and time zone. */
const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 2 });
const usd = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', maximumFractionDigits: 2 });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export const formatCount = (value: number | null | undefined) => (value == null ? '–' : integer.format(value));
export const formatRate = (value: number | null | undefined) => (value == null ? '–' : percent.format(value));
export const formatUsd = (value: number | null | undefined) => (value == null ? '–' : usd.format(value));

/** An ISO time in the viewer's zone, e.g. "6 Dec 2026, 17:40". */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** A `YYYY-MM-DD` day (or ISO time) as a date in the viewer's locale. */
export function formatDay(day: string | null | undefined): string {
  if (!day) return '–';
  const date = new Date(day.length === 10 ? `${day}T12:00:00Z` : day);
  return Number.isNaN(date.getTime()) ? day : dateOnly.format(date);
}

/** `YYYY-MM-DD` of a date, in UTC (the reports' days). */
export const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** The last `days` days up to today, as the reports' `from`/`to`. */
export function lastDays(days: number, now = new Date()): { from: string; to: string } {
  const from = new Date(now.getTime() - (days - 1) * 86_400_000);
  return { from: isoDay(from), to: isoDay(now) };
}

/** An event or step name made readable: `email.link_clicked` → "Email link clicked". */
export function humanize(name: string): string {
  const text = name.replace(/[._-]+/g, ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A length of time in its largest unit and the next, e.g. "2 days 4 hours", "45 minutes"; "less than a minute" below one. */
export function formatDuration(seconds: number): string {
  const units = [['day', 86_400], ['hour', 3_600], ['minute', 60]] as const;
  const first = units.findIndex(([, size]) => seconds >= size);
  if (first === -1) return 'less than a minute';
  const parts: string[] = [];
  let rest = Math.floor(seconds);
  for (const [name, size] of units.slice(first, first + 2)) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
  }
  return parts.join(' ');
}
