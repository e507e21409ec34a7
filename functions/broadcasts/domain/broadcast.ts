import * as z from 'zod';
import { cleanDeep, singleLine } from '../../shared/field-values';

const kebab = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** When a broadcast goes out: at once, at one moment, or at one local hour of each contact's own time zone. */
export const BroadcastWhen = z.union([
  z.strictObject({ now: z.literal(true) }),
  z.strictObject({ at: z.iso.datetime({ offset: true }) }),
  z.strictObject({
    local_hour: z.strictObject({
      date: z.iso.date(),
      hour: z.number().int().min(0).max(23),
    }),
  }),
]);
export type BroadcastWhen = z.infer<typeof BroadcastWhen>;

/**
 * One broadcast: a template sent to a segment's members, from a file in `content/broadcasts/` or `POST /broadcasts`.
 * The id is stored forever: it names the broadcast item, its execution and every send's id.
 */
export const BroadcastDefinition = z.strictObject({
  id: z.string().regex(kebab, 'broadcast ids are lower-kebab-case, at most 64 characters'),
  name: z.string().transform(singleLine).pipe(z.string().min(1).max(200)),
  /** `email` (the default) or `sms`: a text to each member's phone, through the SMS guards. */
  channel: z.enum(['email', 'sms']).optional(),
  /** An email template id (content/emails/<id>/), or for `channel: sms` an SMS template (content/sms/<id>.yaml). */
  template: z.string().regex(kebab, 'template ids are lower-kebab-case'),
  /** A segment id (content/segments/<id>): its members are the audience. */
  segment: z.string().regex(kebab, 'segment ids are lower-kebab-case'),
  /** The consent topic the send respects; @default the template's topic. */
  topic: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'topic ids are lower-kebab-case').optional(),
  when: BroadcastWhen,
  /** Messages per second; @default the account's configured rate (`BROADCAST_DEFAULT_RATE`). */
  rate: z.number().positive().max(10_000).optional(),
  /** The zone of contacts without a valid `time_zone` attribute, for `local_hour`; @default the send window's. */
  time_zone: z.string().min(1).max(64).optional(),
  /** Extra Liquid values (`data.*`) for the template. */
  data: z.record(z.string(), z.unknown()).transform((data) => cleanDeep(data) as Record<string, unknown>).optional(),
  /**
   * An experiment (`content/experiments/<id>`): each member gets its arm's template, subject and send time, the
   * holdout nothing; with the experiment's `rollout`, the rest of the audience gets the winner after the test.
   */
  experiment: z.string().regex(kebab, 'experiment ids are lower-kebab-case').optional(),
});
export type BroadcastDefinition = z.infer<typeof BroadcastDefinition>;

/** Stored statuses (forever): queued → sending → sent | cancelled | failed. */
export type BroadcastStatus = 'queued' | 'sending' | 'sent' | 'cancelled' | 'failed';

/** What a broadcast has done so far; the skip reasons are the email guards' (`suppressed`, `unsubscribed`, …). */
export interface BroadcastCounts {
  readonly sent: number;
  readonly failed: number;
  readonly skipped: Readonly<Record<string, number>>;
}

export const NO_COUNTS: BroadcastCounts = { sent: 0, failed: 0, skipped: {} };

/** One send's outcome as a broadcast counts it. */
export type MemberOutcome =
  | { readonly type: 'sent' }
  | { readonly type: 'skipped'; readonly reason: string }
  | { readonly type: 'failed' };

export function addOutcomes(counts: BroadcastCounts, outcomes: readonly MemberOutcome[]): BroadcastCounts {
  let { sent, failed } = counts;
  const skipped: Record<string, number> = { ...counts.skipped };
  for (const outcome of outcomes) {
    if (outcome.type === 'sent') sent++;
    else if (outcome.type === 'failed') failed++;
    else skipped[outcome.reason] = (skipped[outcome.reason] ?? 0) + 1;
  }
  return { sent, failed, skipped };
}

export function processedOf(counts: BroadcastCounts): number {
  return counts.sent + counts.failed + Object.values(counts.skipped).reduce((a, b) => a + b, 0);
}

/**
 * Where a broadcast is in its membership: passes over the segment, each sending the members due in
 * `(after, upTo]`. A pass's `upTo` is fixed by its first page; members due later are left to a later pass, which
 * starts when the earliest of them (`nextDue`) is due. Every member is due in exactly one pass, so it is sent once.
 */
export interface BroadcastProgress {
  /** Pages committed so far: the optimistic lock of every page's commit. */
  readonly page: number;
  readonly pass: number;
  readonly after?: string;
  readonly upTo?: string;
  /** The membership query's `LastEvaluatedKey` (JSON) this pass continues from. */
  readonly cursor?: string;
  /** The earliest due time of a member this pass left for later. */
  readonly nextDue?: string;
  /** Members this pass left for later. */
  readonly later: number;
}

export const FIRST_PROGRESS: BroadcastProgress = { page: 0, pass: 1, later: 0 };

/**
 * The instant a broadcast may first send: `now`'s creation time, `at`, or for `local_hour` the hour in the
 * earliest time zone on Earth (UTC+14), so nobody's local hour comes before it.
 */
export function startOf(when: BroadcastWhen, createdAt: Date): Date {
  if ('now' in when) return createdAt;
  if ('at' in when) return new Date(when.at);
  return new Date(Date.parse(`${when.local_hour.date}T00:00:00Z`) + (when.local_hour.hour - 14) * 3_600_000);
}

/** An experiment arm's send time: `offset` seconds after the member's own time, or a local hour of its zone. */
export type ArmSendTime = { readonly offset: number } | { readonly localHour: number };

/**
 * When one member is due: the broadcast's start, or its local hour in the member's zone (no earlier than the
 * broadcast was created: a zone whose hour had passed gets it now); moved by its experiment arm's `sendTime` and
 * a rollout's `delaySeconds`; then, for marketing, no earlier than its send window opens (`windowOpening` answers
 * undefined inside the window). Deterministic, so every pass agrees on it.
 */
export function dueOf(input: {
  readonly when: BroadcastWhen;
  readonly startsAt: Date;
  readonly createdAt: Date;
  readonly zone: string;
  readonly windowOpening?: (at: Date, zone: string) => Date | undefined;
  readonly sendTime?: ArmSendTime;
  readonly delaySeconds?: number;
}): Date {
  const { when, createdAt, zone, sendTime } = input;
  const atLocalHour = (date: string, hour: number) => new Date(Math.max(zonedHour(date, hour, zone).getTime(), createdAt.getTime()));
  let base = 'local_hour' in when ? atLocalHour(when.local_hour.date, when.local_hour.hour) : input.startsAt;
  if (sendTime && 'offset' in sendTime) base = new Date(base.getTime() + sendTime.offset * 1_000);
  if (sendTime && 'localHour' in sendTime) {
    // A local-hour broadcast's arm keeps its date and changes the hour; otherwise the first such hour from the start.
    base = 'local_hour' in when ? atLocalHour(when.local_hour.date, sendTime.localHour) : nextLocalHour(base, sendTime.localHour, zone);
  }
  if (input.delaySeconds) base = new Date(base.getTime() + input.delaySeconds * 1_000);
  return input.windowOpening?.(base, zone) ?? base;
}

/** The first instant at or after `at` when the clock in `zone` reads `hour`:00. */
export function nextLocalHour(at: Date, hour: number, zone: string): Date {
  const local = new Date(at.getTime() + offsetMs(at, zone)).toISOString().slice(0, 10);
  const sameDay = zonedHour(local, hour, zone);
  if (sameDay >= at) return sameDay;
  return zonedHour(new Date(Date.parse(`${local}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10), hour, zone);
}

/** The UTC instant the clock in `zone` reads `date` `hour`:00 (the first such instant across a DST change). */
export function zonedHour(date: string, hour: number, zone: string): Date {
  const wall = Date.parse(`${date}T00:00:00Z`) + hour * 3_600_000;
  // The zone's offset at a guess, then once more at the corrected instant: exact unless the hour does not exist.
  let instant = wall - offsetMs(new Date(wall), zone);
  instant = wall - offsetMs(new Date(instant), zone);
  return new Date(instant);
}

/** How far `zone`'s wall clock is ahead of UTC at `at`. */
function offsetMs(at: Date, zone: string): number {
  const parts = formatter(zone).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour') % 24, part('minute'), part('second'));
  return wall - Math.floor(at.getTime() / 1_000) * 1_000;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether `zone` is an IANA zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** Members a page reads per membership query: about `PAGE_SECONDS` of sending at the broadcast's rate. */
export function pageSizeOf(rate: number): number {
  return Math.min(MAX_PAGE, Math.max(MIN_PAGE, Math.round(rate * PAGE_SECONDS)));
}

/**
 * Sends in flight at once within a page: enough to keep `rate` going when a send takes ~100 ms (DynamoDB and SES
 * calls in AWS), and never more than the page's Lambda can drive.
 */
export function inFlightOf(rate: number): number {
  return Math.min(MAX_IN_FLIGHT, Math.max(1, Math.ceil(rate / 10)));
}

/**
 * About ten seconds of sending per page: few state transitions per member (two per page), a Lambda run far below
 * its timeout at any rate, and a cancel that takes effect within seconds.
 */
export const PAGE_SECONDS = 10;
const MIN_PAGE = 10;
/** BatchGetItem reads 100 keys; five of them per page keep a page's reads few and its Query under 1 MB. */
export const MAX_PAGE = 500;
export const MAX_IN_FLIGHT = 16;
