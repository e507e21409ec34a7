import type { IncomingMessage, ServerResponse } from 'node:http';

/** The reports dashboard became the console's Reports view: its old address moves there, as CloudFront's does. */
export function dashboardPages(): Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> {
  const moved = async (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(301, { location: '/console/reports' });
    res.end();
  };
  return { '/dashboard': moved, '/dashboard/': moved };
}
