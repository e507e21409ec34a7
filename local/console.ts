import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, relative } from 'node:path';
import { consolePagePolicy, htmlSecurityHeaders } from '../functions/shared/security-headers';

/** What `/console/config.json` tells the console: where to sign in and where the API is. */
export interface ConsoleConfig {
  readonly auth: { readonly endpoint: string; readonly region: string; readonly userPoolId: string; readonly clientId: string };
  readonly apiBase: string;
  readonly environment: string;
}

const BUILD_STAMP = '.build-hash';

/** The console's sources: what a build depends on (its own files, the toolchain versions in the lock file). */
function sourceHash(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'dist' && entry.name !== 'node_modules') walk(path);
      } else {
        hash.update(relative(root, path)).update(readFileSync(path));
      }
    }
  };
  walk(join(root, 'console'));
  hash.update(readFileSync(join(root, 'package-lock.json')));
  return hash.digest('hex');
}

/**
 * Builds the console (`console/dist`) with Vite unless the last build is of the same sources. `npm start`, the tests'
 * global setup and `cdk synth` (through `npm run console:build`) all call it, so a checkout never serves a stale app.
 */
export async function buildConsole(root: string, options: { force?: boolean } = {}): Promise<{ built: boolean; ms: number }> {
  const started = performance.now();
  const dist = join(root, 'console/dist');
  const hash = sourceHash(root);
  const stamp = join(dist, BUILD_STAMP);
  if (!options.force && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return { built: false, ms: performance.now() - started };
  const { build } = await import('vite');
  await build({ configFile: join(root, 'console/vite.config.ts'), logLevel: 'warn' });
  writeFileSync(stamp, hash);
  return { built: true, ms: performance.now() - started };
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/**
 * The console under `/console/…`, as CloudFront serves it in AWS: hashed assets cached for good, `config.json`
 * from the running system, and every other path the app's `index.html` (the app routes in the browser).
 */
export function consoleHandler(root: string, config: () => ConsoleConfig) {
  const dist = join(root, 'console/dist');
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ message: 'Method Not Allowed' }));
    }
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname === '/console') {
      res.writeHead(308, { location: `/console/${url.search}` });
      return void res.end();
    }
    if (url.pathname === '/console/config.json') {
      const body = JSON.stringify(config());
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      return void res.end(method === 'HEAD' ? undefined : body);
    }
    const path = normalize(join(dist, url.pathname.slice('/console/'.length)));
    const isAsset = path.startsWith(join(dist, 'assets')) && existsSync(path) && statSync(path).isFile();
    if (url.pathname.startsWith('/console/assets/') && !isAsset) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ message: 'Not Found' }));
    }
    const file = isAsset ? path : join(dist, 'index.html');
    const body = await readFile(file).catch(() => undefined);
    if (!body) {
      res.writeHead(503, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ message: 'The console is not built: run npm run console:build' }));
    }
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    const signIn = new URL(config().auth.endpoint, 'http://127.0.0.1').origin;
    res.writeHead(200, {
      'content-type': type,
      'content-length': body.length,
      'cache-control': isAsset ? 'public, max-age=31536000, immutable' : 'no-store',
      ...(type.startsWith('text/html') ? htmlSecurityHeaders(consolePagePolicy(signIn)) : { 'x-content-type-options': 'nosniff' }),
    });
    res.end(method === 'HEAD' ? undefined : body);
  };
}
