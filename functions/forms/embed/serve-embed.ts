import { gzipSync } from 'node:zlib';
import { header, type HttpEvent, type HttpResult } from '../../shared/http';
import { embedSource } from './embed-source';

let gzipped: string | undefined;

/** The gzipped snippet's size in bytes (reported by the bench). */
export function embedGzipBytes(): number {
  return gzipSync(embedSource, { level: 9 }).length;
}

/**
 * `GET /embed.js`: the snippet, gzipped when the browser accepts it, cacheable for five minutes by browsers and
 * CDNs (a fix reaches every page within minutes, and pages never pin a version).
 */
export function serveEmbed(event: HttpEvent): HttpResult {
  const headers = {
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': 'public, max-age=300',
    'access-control-allow-origin': '*',
    vary: 'Accept-Encoding',
    'x-content-type-options': 'nosniff',
  };
  if (!/\bgzip\b/.test(header(event, 'accept-encoding') ?? '')) return { statusCode: 200, headers, body: embedSource };
  gzipped ??= gzipSync(embedSource, { level: 9 }).toString('base64');
  return { statusCode: 200, headers: { ...headers, 'content-encoding': 'gzip' }, body: gzipped, isBase64Encoded: true };
}
