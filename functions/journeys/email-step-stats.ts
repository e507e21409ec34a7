import * as z from 'zod';
import type { Metrics } from '../reports/metrics';
import { emailCounters } from '../reports/reports';
import { emailStepStats as fromCounters, type EmailStepStats } from './domain/email-step-stats';
import type { Journey } from './domain/journey-file';

const DEFAULT_DAYS = 30;
const MAX_DAYS = 3 * 366;
const dayOf = (date: Date) => date.toISOString().slice(0, 10);
const addDays = (day: string, days: number) => dayOf(new Date(Date.parse(`${day}T00:00:00.000Z`) + days * 86_400_000));

/**
 * `?from=YYYY-MM-DD&to=YYYY-MM-DD` (inclusive UTC days): either may be left out; the default is the last 30 days
 * up to today, and a lone `from` or `to` spans 30 days from or to it.
 */
export const DayRange = z
  .object({ from: z.iso.date().optional(), to: z.iso.date().optional() })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: '`from` must not be after `to`', path: ['from'] })
  .refine((q) => !q.from || !q.to || Date.parse(q.to) - Date.parse(q.from) <= MAX_DAYS * 86_400_000, { message: 'the range may span at most 3 years', path: ['to'] })
  .transform((q) => ({
    resolve: (now: Date) => {
      const to = q.to ?? (q.from ? addDays(q.from, DEFAULT_DAYS - 1) : dayOf(now));
      return { from: q.from ?? addDays(to, 1 - DEFAULT_DAYS), to };
    },
  }));

/** A journey's email steps' numbers over a range, from the `email` report's counters (O(days × shards) items). */
export async function emailStepStats(metrics: Metrics, journey: Journey, from: string, to: string): Promise<Map<string, EmailStepStats>> {
  return fromCounters(journey, await emailCounters(metrics, from, to));
}
