/**
 * The audit trail's rules: which requests are recorded, and where an entry is kept. Pure: no SDK, no clock.
 */

import type { Actor } from './access';

/** One recorded action: who, which route, on what (path parameters, never the body: it may hold personal data). */
export interface AuditEntry {
  readonly at: string;
  readonly actor: Actor;
  readonly routeKey: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly status: number;
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** True for a request that changed something and succeeded: a 2xx answer to any method but GET, HEAD or OPTIONS. */
export function isAudited(method: string, status: number): boolean {
  return !READS.has(method.toUpperCase()) && status >= 200 && status < 300;
}

/** The month partition an entry at `at` (ISO time) is kept in: `AUDIT#<yyyy-mm>`. */
export function auditPartition(month: string): string {
  return `AUDIT#${month}`;
}

export function monthOf(at: string): string {
  return at.slice(0, 7);
}

/** Every month from `to` back to `from` (`yyyy-mm-dd` days), newest first: the partitions a range reads. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let [year, month] = [Number(to.slice(0, 4)), Number(to.slice(5, 7))];
  const first = from.slice(0, 7);
  for (;;) {
    const current = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
    if (current < first) return months;
    months.push(current);
    month -= 1;
    if (month === 0) [year, month] = [year - 1, 12];
  }
}
