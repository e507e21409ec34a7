import { requireAccess } from '../access/authorizer-context';
import { InvalidQuery, NotFound, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import type { Logger } from '../shared/logger';
import { fieldErrors } from '../shared/validation';
import * as z from 'zod';
import { toCsv } from './domain/reports';
import { previousRange, summaryTable } from './domain/summary';
import { REPORT_NAMES, ReportQuery, runReport, runSummary, type ReportDeps, type ReportName } from './reports';

export interface GetReportDeps extends ReportDeps {
  readonly logger: Logger;
}

/**
 * `GET /reports/{name}?from=YYYY-MM-DD&to=YYYY-MM-DD&granularity=day|week|month[&format=csv]`: one report as a
 * table (`columns`, `rows`) in JSON, or as CSV for a spreadsheet.
 */
export const makeGetReport =
  (deps: GetReportDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    const name = event.pathParameters?.name ?? '';
    if (name === 'summary') return summary(deps, event);
    if (!(REPORT_NAMES as readonly string[]).includes(name)) throw new NotFound(`No report "${name.slice(0, 100)}"; reports: ${[...REPORT_NAMES, 'summary'].join(', ')}`);
    const parsed = ReportQuery.safeParse(event.queryStringParameters ?? {});
    if (!parsed.success) throw new InvalidQuery(fieldErrors(parsed.error));
    const query = parsed.data;
    const table = await runReport(name as ReportName, query, deps);
    if (query.format === 'csv') {
      return {
        statusCode: 200,
        headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}-${query.from}-${query.to}.csv"` },
        body: toCsv(table),
      };
    }
    return json(200, { report: name, from: query.from, to: query.to, granularity: query.granularity, ...table });
  };

/** Days a summary may span: its series are per day, read from the daily items of both ranges. */
const SUMMARY_MAX_DAYS = 366;

const SummaryQuery = z
  .object({ from: z.iso.date(), to: z.iso.date(), format: z.enum(['json', 'csv']).default('json') })
  .refine((q) => q.from <= q.to, { message: '`from` must not be after `to`', path: ['from'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) < SUMMARY_MAX_DAYS * 86_400_000, { message: `the summary may span at most ${SUMMARY_MAX_DAYS} days`, path: ['to'] });

/** `GET /reports/summary?from=&to=[&format=csv]`: the console's headline numbers (functions/reports/domain/summary.ts). */
async function summary(deps: GetReportDeps, event: HttpEvent): Promise<HttpResult> {
  const parsed = SummaryQuery.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success) throw new InvalidQuery(fieldErrors(parsed.error));
  const { from, to, format } = parsed.data;
  const metrics = await runSummary(deps.metrics, from, to);
  if (format === 'csv') {
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="summary-${from}-${to}.csv"` },
      body: toCsv(summaryTable(metrics)),
    };
  }
  return json(200, { report: 'summary', from, to, previous: previousRange(from, to), metrics });
}

export function makeGetReportHandler(deps: GetReportDeps) {
  return httpHandler(makeGetReport(deps), {
    logger: deps.logger,
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
  });
}
