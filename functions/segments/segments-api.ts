import * as z from 'zod';
import { requireAccess } from '../access/authorizer-context';
import { HttpError, InvalidQuery, NotFound, header, httpHandler, json, annotate, type HttpEvent, type HttpResult } from '../shared/http';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { fieldErrors } from '../shared/validation';
import { describeCondition, type Segment } from './domain/segment-file';
import { InvalidMembersCursor, type SegmentCounters, type SegmentMember, type SegmentMembers } from './ports';
import type { SegmentSource } from './segments';

export interface SegmentsApiDeps {
  readonly segments: ReadonlyMap<string, Segment>;
  /** Each segment's file as shipped, by segment id (`GET /segments/{segmentId}` answers it as `file`). */
  readonly sources: ReadonlyMap<string, SegmentSource>;
  readonly counters: SegmentCounters;
  readonly members: SegmentMembers;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Members per page at most (a GSI1 Query and BatchGetItems of the profiles). */
export const MAX_PAGE = 500;
/**
 * Rows of a CSV export at most: a Lambda response is at most 6 MB, and a row (id, address, time) is under 100
 * bytes. A larger segment's CSV ends there with `x-truncated: true` and `x-next-cursor` to page on in JSON.
 */
export const MAX_CSV_MEMBERS = 40_000;
/** `GET /segments` gives each segment's entries and exits over this many days, today included. */
export const GROWTH_DAYS = 30;
/** The longest range of daily counts one request reads. */
const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

const Day = z.iso.date();

/** `GET /segments/{id}`: the range of daily counts, inclusive UTC days (default: the 30 days up to today). */
export const SegmentQuery = z.strictObject({ from: Day.optional(), to: Day.optional() });
export type SegmentQuery = z.infer<typeof SegmentQuery>;

/** `GET /segments/{id}/members`: a page size, the previous page's cursor, and JSON or CSV. */
export const MembersQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
  cursor: z.string().min(1).max(1_000).optional(),
  format: z.enum(['json', 'csv']).optional(),
});
export type MembersQuery = z.infer<typeof MembersQuery>;

/**
 * The segments API for marketers' tools: every segment with its size and its last 30 days' entries and exits
 * (`GET /segments`), one segment's definition in words and as its shipped file, with its size and entries and exits
 * per day (`GET /segments/{segmentId}`), and its members, a page at a time
 * or as one CSV (`GET /segments/{segmentId}/members`). Sizes and counts come from counters, members from the
 * membership index: no request reads a timeline or scans contacts.
 */
export const makeSegmentsApi =
  (deps: SegmentsApiDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    switch (event.routeKey) {
      case 'GET /segments': {
        const to = dayOf(deps.clock.now().getTime());
        const from = dayOf(Date.parse(to) - (GROWTH_DAYS - 1) * DAY_MS);
        const listed = await Promise.all(
          [...deps.segments.values()].map(async (segment) => {
            const [size, daily] = await Promise.all([deps.counters.size(segment.id), deps.counters.daily(segment.id, from, to)]);
            return { ...summary(segment), size, growth: growthOf(daily) };
          }),
        );
        return json(200, { segments: listed });
      }
      case 'GET /segments/{segmentId}':
        return detail(deps, event);
      case 'GET /segments/{segmentId}/members':
        return members(deps, event);
      default:
        throw new NotFound('No such route');
    }
  };

export function makeSegmentsApiHandler(deps: SegmentsApiDeps) {
  return httpHandler(makeSegmentsApi(deps), {
    logger: deps.logger,
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
  });
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Entries, exits and their difference over the {@link GROWTH_DAYS} days of the daily counters read. */
function growthOf(daily: ReadonlyMap<string, { entered: number; exited: number }>) {
  let entered = 0;
  let exited = 0;
  for (const day of daily.values()) {
    entered += day.entered;
    exited += day.exited;
  }
  return { days: GROWTH_DAYS, entered, exited, net: entered - exited };
}

function summary(segment: Segment) {
  return { id: segment.id, name: segment.name, description: segment.description };
}

function segmentOf(deps: SegmentsApiDeps, event: HttpEvent): Segment {
  const id = event.pathParameters?.segmentId ?? '';
  const segment = deps.segments.get(id);
  if (!segment) throw new NotFound(`No segment "${id.slice(0, 100)}"; segments: ${[...deps.segments.keys()].join(', ')}`);
  annotate(event, { segmentId: segment.id });
  return segment;
}

async function detail(deps: SegmentsApiDeps, event: HttpEvent): Promise<HttpResult> {
  const segment = segmentOf(deps, event);
  const parsed = SegmentQuery.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success) throw new InvalidQuery(fieldErrors(parsed.error));
  const day = dayOf;
  const to = parsed.data.to ?? day(deps.clock.now().getTime());
  const from = parsed.data.from ?? day(Date.parse(to) - 29 * DAY_MS);
  if (from > to) throw new InvalidQuery([{ field: 'from', message: `\`from\` (${from}) must not be after \`to\` (${to})` }]);
  if (Date.parse(to) - Date.parse(from) >= MAX_RANGE_DAYS * DAY_MS) throw new InvalidQuery([{ field: 'to', message: `the range may span at most ${MAX_RANGE_DAYS} days` }]);
  const [size, daily] = await Promise.all([deps.counters.size(segment.id), deps.counters.daily(segment.id, from, to)]);
  const days: { day: string; entered: number; exited: number }[] = [];
  for (let at = Date.parse(from); at <= Date.parse(to); at += DAY_MS) days.push({ day: day(at), ...(daily.get(day(at)) ?? { entered: 0, exited: 0 }) });
  return json(200, {
    ...summary(segment),
    definition: describeCondition(segment.match),
    size,
    from,
    to,
    entered: days.reduce((total, d) => total + d.entered, 0),
    exited: days.reduce((total, d) => total + d.exited, 0),
    days,
    ...(deps.sources.get(segment.id) ? { file: deps.sources.get(segment.id) } : {}),
  });
}

async function members(deps: SegmentsApiDeps, event: HttpEvent): Promise<HttpResult> {
  const segment = segmentOf(deps, event);
  const parsed = MembersQuery.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success) throw new InvalidQuery(fieldErrors(parsed.error));
  const query = parsed.data;
  const csv = query.format === 'csv' || (query.format === undefined && (header(event, 'accept') ?? '').includes('text/csv'));
  try {
    if (!csv) {
      const page = await deps.members.page(segment.id, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
      return json(200, { segmentId: segment.id, ...page });
    }
    return await membersCsv(deps, segment, query.cursor);
  } catch (error) {
    if (error instanceof InvalidMembersCursor) throw new HttpError(400, 'invalid_cursor', 'The cursor is not valid for this segment', { field: 'cursor' });
    throw error;
  }
}

/** Every member (from `cursor`, if given) as CSV with a header, page after page, up to {@link MAX_CSV_MEMBERS}. */
async function membersCsv(deps: SegmentsApiDeps, segment: Segment, start: string | undefined): Promise<HttpResult> {
  const rows: SegmentMember[] = [];
  let cursor = start;
  do {
    const page = await deps.members.page(segment.id, { limit: Math.min(MAX_PAGE, MAX_CSV_MEMBERS - rows.length), ...(cursor ? { cursor } : {}) });
    rows.push(...page.members);
    cursor = page.nextCursor;
  } while (cursor && rows.length < MAX_CSV_MEMBERS);
  const body = ['contactId,email,since', ...rows.map((m) => [m.contactId, m.email ?? '', m.since ?? ''].map(csvCell).join(','))].join('\r\n') + '\r\n';
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="segment-${segment.id}.csv"`,
      ...(cursor ? { 'x-truncated': 'true', 'x-next-cursor': cursor } : {}),
    },
    body,
  };
}

/**
 * A CSV cell, quoted when it must be, and with a leading `'` when a spreadsheet would read it as a formula (an
 * address can start with `=` or `+`).
 */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
