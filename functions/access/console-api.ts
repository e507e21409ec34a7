import * as z from 'zod';
import { HttpError, InvalidQuery, json, NotFound, httpHandler, type HttpEvent, type HttpResult } from '../shared/http';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { fieldErrors } from '../shared/validation';
import { InvalidAuditCursor, type AuditTrail } from './audit-trail';
import { callerOf, requireAccess } from './authorizer-context';

export interface ConsoleApiDeps {
  readonly audit: AuditTrail;
  readonly clock: Clock;
  readonly logger: Logger;
}

const Day = z.iso.date();
/** The longest range one request reads: a year of month partitions. */
const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

/** `GET /audit`: inclusive UTC days (default: the 30 days up to today), a page size and the previous page's cursor. */
export const AuditQuery = z.strictObject({
  from: Day.optional(),
  to: Day.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(1_000).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

/**
 * What the console asks about access: `GET /me` (any valid credential: who it is, the person's role and the scopes it
 * holds, so the console hides what the role cannot do) and `GET /audit` (scope `admin`: who did what, newest first).
 */
export const makeConsoleApi =
  (deps: ConsoleApiDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    switch (event.routeKey) {
      case 'GET /me': {
        const caller = callerOf(event);
        return json(200, { actor: caller.actor, ...(caller.role ? { role: caller.role } : {}), scopes: caller.scopes });
      }
      case 'GET /audit': {
        const parsed = AuditQuery.safeParse(event.queryStringParameters ?? {});
        if (!parsed.success) throw new InvalidQuery(fieldErrors(parsed.error));
        const today = deps.clock.now().toISOString().slice(0, 10);
        const to = parsed.data.to ?? today;
        const from = parsed.data.from ?? new Date(Date.parse(to) - 29 * DAY_MS).toISOString().slice(0, 10);
        if (from > to) throw new InvalidQuery([{ field: 'from', message: `\`from\` (${from}) must not be after \`to\` (${to})` }]);
        if (Date.parse(to) - Date.parse(from) >= MAX_RANGE_DAYS * DAY_MS) {
          throw new InvalidQuery([{ field: 'to', message: `the range may span at most ${MAX_RANGE_DAYS} days` }]);
        }
        try {
          const page = await deps.audit.list({ from, to, limit: parsed.data.limit, ...(parsed.data.cursor ? { cursor: parsed.data.cursor } : {}) });
          return json(200, { items: page.items, nextCursor: page.nextCursor ?? null });
        } catch (error) {
          if (error instanceof InvalidAuditCursor) throw new HttpError(400, 'invalid_cursor', error.message);
          throw error;
        }
      }
      default:
        throw new NotFound('No such route');
    }
  };

export function makeConsoleApiHandler(deps: ConsoleApiDeps) {
  return httpHandler(makeConsoleApi(deps), {
    logger: deps.logger,
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
  });
}
