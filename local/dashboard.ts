import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { DASHBOARD_PAGE_POLICY, htmlSecurityHeaders } from '../functions/shared/security-headers';

/**
 * The reports dashboard, served by the local runtime: `GET /dashboard` (a static page, deployable as is next to
 * the API) and the chart library it draws with, straight from node_modules (`GET /dashboard/chart.js`). The page
 * calls `GET /reports/{name}` with the API key the user enters (scope `reports:read`).
 */
export function dashboardPages(root: string): Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> {
  const file = (path: string, type: string) => async (_req: IncomingMessage, res: ServerResponse) => {
    const body = await readFile(path);
    const security = type.startsWith('text/html') ? htmlSecurityHeaders(DASHBOARD_PAGE_POLICY) : { 'x-content-type-options': 'nosniff' };
    res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': 'no-store', ...security });
    res.end(body);
  };
  return {
    '/dashboard': file(join(root, 'local/public/dashboard.html'), 'text/html; charset=utf-8'),
    '/dashboard/chart.js': file(join(root, 'node_modules/chart.js/dist/chart.umd.min.js'), 'text/javascript; charset=utf-8'),
    '/dashboard/dashboard.js': file(join(root, 'local/public/dashboard.js'), 'text/javascript; charset=utf-8'),
  };
}
