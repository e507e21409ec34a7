import * as z from 'zod';
import { GAUGE_DAY, ReportMetric, STAY_DAYS_CAP, monthlyMetric } from './domain/counters';
import {
  costReport,
  emailReport,
  funnelReport,
  journeysReport,
  leadScoresReport,
  leadsReport,
  splitRange,
  stalledAsOf,
  type FunnelStages,
  type Program,
  type ReportTable,
} from './domain/reports';
import type { Metrics } from './metrics';

export const REPORT_NAMES = ['funnel', 'leads', 'email', 'lead-scores', 'cost', 'journeys'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

const Day = z.iso.date();

/** A report request: the range (inclusive UTC days), the granularity, and each report's own options. */
export const ReportQuery = z
  .object({
    from: Day,
    to: Day,
    granularity: z.enum(['day', 'week', 'month']).default('day'),
    /** funnel: days in a stage after which a contact counts as stalled. */
    stalledDays: z.coerce.number().int().min(1).max(STAY_DAYS_CAP - 1).default(14),
    /** leads: one row per value of this attribution dimension. */
    by: z.enum(['source', 'medium', 'campaign', 'form']).optional(),
    touch: z.enum(['first', 'last']).default('first'),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .refine((query) => query.from <= query.to, { message: '`from` must not be after `to`', path: ['from'] })
  .refine((query) => Date.parse(query.to) - Date.parse(query.from) <= 3 * 366 * 86_400_000, {
    message: 'the range may span at most 3 years',
    path: ['to'],
  });
export type ReportQuery = z.infer<typeof ReportQuery>;

/** Program costs, entered through `PUT /programs/{id}/costs`. */
export interface Programs {
  list(): Promise<Program[]>;
  put(program: Program): Promise<void>;
}

export interface ReportDeps {
  readonly metrics: Metrics;
  readonly programs: Programs;
  readonly funnel: FunnelStages;
}

/** The last day a counter could be kept for: a range up to it reads every counter after a day. */
const LAST_DAY = '2999-12-31';
const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00.000Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * A metric kept per month too, over a range: whole months from the monthly items, the days around them from the
 * daily ones (keys are days either way, so the sums are the same; per-day detail is lost inside whole months).
 */
async function rangeCounters(metrics: Metrics, metric: string, from: string, to: string): Promise<Map<string, Record<string, number>>> {
  const { head, months, tail } = splitRange(from, to);
  const parts = await Promise.all([
    head ? metrics.counters(metric, ...head) : new Map<string, Record<string, number>>(),
    months ? metrics.counters(monthlyMetric(metric), `${months[0]}-01`, `${months[1]}-01`) : new Map<string, Record<string, number>>(),
    tail ? metrics.counters(metric, ...tail) : new Map<string, Record<string, number>>(),
  ]);
  return new Map(parts.flatMap((part) => [...part]));
}

/** Reads the counters one report needs (O(days × shards) items, never a contact) and computes it. */
export async function runReport(name: ReportName, query: ReportQuery, deps: ReportDeps): Promise<ReportTable> {
  const { metrics } = deps;
  const { from, to } = query;
  switch (name) {
    case 'funnel': {
      const recentFrom = addDays(to, 1 - query.stalledDays);
      const [funnel, now, after, recent, stays] = await Promise.all([
        rangeCounters(metrics, ReportMetric.funnel, from, to),
        metrics.counters(ReportMetric.stageGauge, GAUGE_DAY, GAUGE_DAY),
        // The days after `to` up to any day counted: whole months from the month items, so O(months since `to`).
        rangeCounters(metrics, ReportMetric.funnel, addDays(to, 1), LAST_DAY),
        rangeCounters(metrics, ReportMetric.funnel, recentFrom, to),
        metrics.counters(ReportMetric.stageStays, recentFrom, to),
      ]);
      const stalled = stalledAsOf(
        { now: now.get(GAUGE_DAY) ?? {}, after, recent, stays },
        { to, stalledDays: query.stalledDays, stages: [...deps.funnel.stages, ...deps.funnel.sideStages] },
      );
      return funnelReport(funnel, stalled, deps.funnel);
    }
    case 'leads':
      return leadsReport(await metrics.counters(ReportMetric.leads, from, to), {
        from,
        to,
        granularity: query.granularity,
        touch: query.touch,
        ...(query.by ? { by: query.by } : {}),
      });
    case 'email':
      return emailReport(await rangeCounters(metrics, ReportMetric.email, from, to));
    case 'lead-scores':
      return leadScoresReport(await metrics.counters(ReportMetric.leadScores, `${from.slice(0, 7)}-01`, to), { from, to });
    case 'cost': {
      const [leads, programs] = await Promise.all([metrics.counters(ReportMetric.leads, from, to), deps.programs.list()]);
      return costReport(leads, programs, { from, to });
    }
    case 'journeys': {
      const [journeys, active] = await Promise.all([
        rangeCounters(metrics, ReportMetric.journeys, from, to),
        metrics.counters(ReportMetric.journeySteps, GAUGE_DAY, GAUGE_DAY),
      ]);
      return journeysReport(journeys, active.get(GAUGE_DAY) ?? {});
    }
  }
}
