import { requireAccess } from '../access/authorizer-context';
import { InvalidQuery, NotFound, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import type { Logger } from '../shared/logger';
import { fieldErrors } from '../shared/validation';
import { toCsv } from './domain/reports';
import { REPORT_NAMES, ReportQuery, runReport, type ReportDeps, type ReportName } from './reports';

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
    if (!(REPORT_NAMES as readonly string[]).includes(name)) throw new NotFound(`No report "${name}"; reports: ${REPORT_NAMES.join(', ')}`);
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

export function makeGetReportHandler(deps: GetReportDeps) {
  return httpHandler(makeGetReport(deps), {
    logger: deps.logger,
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
  });
}
