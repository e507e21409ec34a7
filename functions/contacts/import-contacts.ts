import * as z from 'zod';
import { requireAccess } from '../access/authorizer-context';
import { BadRequest, HttpError, annotate, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import { rowReasons } from './domain/import';
import type { RowResult } from './domain/import-report';
import { checkUpsert } from './domain/upsert';
import { bodyOfType } from '../shared/body';
import { upsertRows, type ImportRow } from './import';
import type { UpsertingDeps } from './upsert';

/** Rows per request: a full request upserts in a few seconds, well inside API Gateway's 29 s. */
export const MAX_IMPORT_ROWS = 500;
/** Under Lambda's 6 MB synchronous payload. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** One NDJSON line of `POST /contacts/import`: the row's number in the caller's file and its upsert body. */
export const ImportLine = z.strictObject({
  row: z.number().int().positive(),
  /** As `PUT /contacts` takes it; checked by the same code. */
  contact: z.unknown(),
});
export type ImportLine = z.infer<typeof ImportLine>;

/** The answer: one result per line, in the lines' order. */
export const ImportAnswer = z.object({
  results: z.array(
    z.discriminatedUnion('result', [
      z.object({ row: z.number(), result: z.enum(['created', 'updated', 'unchanged']), contactId: z.string() }),
      z.object({ row: z.number(), result: z.literal('rejected'), reasons: z.array(z.string()).readonly() }),
    ]),
  ),
});
export type ImportAnswer = z.infer<typeof ImportAnswer>;

/** `concurrency`: rows upserted at once within one request, 8 unless set. */
export type ImportContactsDeps = UpsertingDeps;

/**
 * `POST /contacts/import`: up to {@link MAX_IMPORT_ROWS} rows of an import as NDJSON, each checked and upserted
 * exactly as `PUT /contacts` does it (`via: "import"`), each its own transaction. A bad row is a `rejected` result
 * with its reasons, not a failed request; the request fails (400) only when a line is not a row at all.
 */
export const makeImportContacts =
  (deps: ImportContactsDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    const body = bodyOfType(event, 'application/x-ndjson', MAX_BODY_BYTES, 'Send the rows as application/x-ndjson: one {"row","contact"} object per line');
    const lines = body.split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) throw new BadRequest('No rows: send one {"row","contact"} object per line', 'no_rows');
    if (lines.length > MAX_IMPORT_ROWS) throw new HttpError(413, 'too_many_rows', `At most ${MAX_IMPORT_ROWS} rows per request`);

    const parsed: ImportLine[] = [];
    const bad: number[] = [];
    lines.forEach((line, i) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        value = undefined;
      }
      const result = ImportLine.safeParse(value);
      if (result.success) parsed.push(result.data);
      else bad.push(i + 1);
    });
    if (bad.length > 0) {
      throw new HttpError(400, 'invalid_lines', 'Some lines are not {"row": <number>, "contact": {…}} objects', { lines: bad.slice(0, 100) });
    }

    const results: RowResult[] = [];
    const valid: Pick<ImportRow, 'row' | 'request'>[] = [];
    for (const { row, contact } of parsed) {
      const check = checkUpsert(contact, deps.rules);
      if (check.type === 'Invalid') results.push({ row, result: 'rejected', reasons: rowReasons(check.errors, check.suggestion) });
      else valid.push({ row, request: check.request });
    }
    results.push(...(await upsertRows(valid, deps, deps.concurrency ?? 8)));
    const order = new Map(parsed.map(({ row }, i) => [row, i]));
    results.sort((a, b) => order.get(a.row)! - order.get(b.row)!);

    const counts: Record<string, number> = { rows: results.length };
    for (const { result } of results) counts[result] = (counts[result] ?? 0) + 1;
    annotate(event, counts);
    return json(200, { results } satisfies ImportAnswer);
  };

export function makeImportContactsHandler(deps: ImportContactsDeps) {
  return httpHandler(makeImportContacts(deps), {
    logger: deps.logger,
    maxBodyBytes: MAX_BODY_BYTES,
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
  });
}
