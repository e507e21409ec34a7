import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The file name the list is copied to next to a deployed bundle (see lib/forms/forms.construct.ts). */
export const DISPOSABLE_LIST_FILE = 'disposable-email-domains.json';

/**
 * Domains of throw-away mailbox services, from the `disposable-email-domains` npm package (over 100,000 domains,
 * maintained upstream: `npm update disposable-email-domains` refreshes it). The list is 2.4 MB of JSON, so it is
 * not bundled into the function's code: it ships as a file next to the bundle and is read on the first check,
 * never at module init.
 */
export function disposableDomains(file = locateList()): (domain: string) => boolean {
  let domains: ReadonlySet<string> | undefined;
  return (domain) => {
    domains ??= new Set(JSON.parse(readFileSync(file, 'utf8')) as string[]);
    return domains.has(domain);
  };
}

function locateList(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const deployed = join(here, DISPOSABLE_LIST_FILE);
  if (existsSync(deployed)) return deployed;
  return createRequire(import.meta.url).resolve('disposable-email-domains');
}
