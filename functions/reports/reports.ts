import * as z from 'zod';
import { BadRequest } from '../shared/http';
import { GAUGE_DAY, attr, parseAttr, LEAD_DIMENSIONS, ReportMetric, STAY_DAYS_CAP, leadsByMetric, monthlyMetric, type LeadDimension } from './domain/counters';
import {
  costReport,
  countersByPeriod,
  dimensionCounters,
  emailReport,
  funnelByPeriod,
  funnelReport,
  periodEnd,
  journeysReport,
  journeyVersionCounts,
  journeyVersionsReport,
  leadScoresReport,
  leadsReport,
  mergeCounters,
  splitRange,
  stackPeriods,
  stalledAsOf,
  type DailyCounters,
  type FunnelStages,
  type Granularity,
  type JourneyVersionCounts,
  type Program,
  type ReportTable,
  type ValueCounters,
} from './domain/reports';
import { mergePrograms } from './domain/programs';
import { previousRange, summaryReport, type SummaryMetric } from './domain/summary';
import type { Journey } from '../journeys/domain/journey-file';
import { placeInWaits } from '../journeys/domain/positions';
import type { Metrics } from './metrics';

export const REPORT_NAMES = ['funnel', 'leads', 'email', 'lead-scores', 'cost', 'journeys'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

const Day = z.iso.date();

/** A report request: the range (inclusive UTC days), the granularity, and each report's own options. */
export const ReportQuery = z
  .object({
    from: Day,
    to: Day,
    /**
     * Rows per period. `leads` defaults to `day`; `funnel`, `email`, `journeys` and `cost` answer for the whole
     * range without it, per period with it (`cost` by `month` only: costs are entered per month).
     */
    granularity: z.enum(['day', 'week', 'month']).optional(),
    /** funnel: days in a stage after which a contact counts as stalled. */
    stalledDays: z.coerce.number().int().min(1).max(STAY_DAYS_CAP - 1).default(14),
    /** leads: one row per value of this attribution dimension; journeys: `version`, one row per journey and version. */
    by: z.enum([...LEAD_DIMENSIONS, 'version']).optional(),
    touch: z.enum(['first', 'last']).default('first'),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .refine((query) => query.from <= query.to, { message: '`from` must not be after `to`', path: ['from'] })
  .refine((query) => Date.parse(query.to) - Date.parse(query.from) <= 3 * 366 * 86_400_000, {
    message: 'the range may span at most 3 years',
    path: ['to'],
  });
export type ReportQuery = z.infer<typeof ReportQuery>;

/** A granularity a report cannot answer in (a 400 naming the report). */
export class UnsupportedGranularity extends BadRequest {
  constructor(report: ReportName, granularity: Granularity, supported: readonly Granularity[]) {
    super(`The ${report} report has no ${granularity} rows: use granularity=${supported.join('|')} or leave it out`, 'unsupported_granularity');
    this.name = 'UnsupportedGranularity';
  }
}

/** A `by` a report cannot slice by (a 400 naming the report). */
export class UnsupportedBy extends BadRequest {
  constructor(report: ReportName, by: string, supported: readonly string[]) {
    super(`The ${report} report has no rows by ${by}: use ${supported.length ? `by=${supported.join('|')} or ` : ''}leave it out`, 'unsupported_by');
    this.name = 'UnsupportedBy';
  }
}

/** Program costs entered through `PUT /programs/{id}/costs`. */
export interface Programs {
  list(): Promise<Program[]>;
  put(program: Program): Promise<void>;
}

export interface ReportDeps {
  readonly metrics: Metrics;
  readonly programs: Programs;
  /** Programs from `content/programs.yaml`; the API's costs win per program and month (see {@link mergePrograms}). */
  readonly filePrograms?: readonly Program[];
  readonly funnel: FunnelStages;
  /**
   * The journeys, to place the step gauge's contacts in the wait they sit in (functions/journeys/domain/positions.ts);
   * without them, contacts show at the step that last marked them.
   */
  readonly journeys?: ReadonlyMap<string, Journey>;
}

/** The last day a counter could be kept for: a range up to it reads every counter after a day. */
const LAST_DAY = '2999-12-31';
const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00.000Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * A metric kept per month too, over a range: whole months from the monthly items, the days around them from the
 * daily ones (keys are days either way, so the sums are the same; per-day detail is lost inside whole months).
 */
function rangeCounters(metrics: Metrics, metric: string, from: string, to: string): Promise<Map<string, Record<string, number>>> {
  return splitRead((m, first, last) => metrics.counters(m, first, last), metric, from, to);
}

/** The summary's counters, per day (its series need days), for the range and the same-length one before it. */
export async function runSummary(metrics: Metrics, from: string, to: string): Promise<SummaryMetric[]> {
  const first = previousRange(from, to).from;
  const [leads, email, journeys, sms] = await Promise.all([
    metrics.counters(ReportMetric.leads, first, to),
    metrics.counters(ReportMetric.email, first, to),
    metrics.counters(ReportMetric.journeys, first, to),
    metrics.counters(ReportMetric.sms, first, to),
  ]);
  return summaryReport({ leads, email, journeys, sms }, { from, to });
}

/** The `email` report's counters (`<journey>/<step>/<template>/<measure>`) by day over a range, months read whole. */
export function emailCounters(metrics: Metrics, from: string, to: string): Promise<Map<string, Record<string, number>>> {
  return rangeCounters(metrics, ReportMetric.email, from, to);
}

/**
 * Every journey's per-version counters over a range (months read whole) and the version gauge now, by journey and
 * version: O(days × shards) items, never a contact.
 */
export async function journeyVersionsOf(metrics: Metrics, from: string, to: string): Promise<Map<string, Map<string, JourneyVersionCounts>>> {
  const [counters, gauge] = await Promise.all([
    rangeCounters(metrics, ReportMetric.journeyVersions, from, to),
    metrics.counters(ReportMetric.journeyVersionGauge, GAUGE_DAY, GAUGE_DAY),
  ]);
  return journeyVersionCounts(counters, gauge.get(GAUGE_DAY) ?? {});
}

/** {@link rangeCounters} for any reader of a metric's items by day (daily counters, per-value counters). */
async function splitRead<T>(read: (metric: string, from: string, to: string) => Promise<Map<string, T>>, metric: string, from: string, to: string): Promise<Map<string, T>> {
  const { head, months, tail } = splitRange(from, to);
  const parts = await Promise.all([
    head ? read(metric, ...head) : new Map<string, T>(),
    months ? read(monthlyMetric(metric), `${months[0]}-01`, `${months[1]}-01`) : new Map<string, T>(),
    tail ? read(metric, ...tail) : new Map<string, T>(),
  ]);
  return new Map(parts.flatMap((part) => [...part]));
}

/**
 * A lead dimension's per-value counters (`leads.by.<dim>`) over a range: every day's items for rows per day or week,
 * otherwise whole months from the month items (a year by campaign: 12 items per campaign, not 365).
 */
function leadValues(metrics: Metrics, dimension: LeadDimension, from: string, to: string, granularity: Granularity | undefined): Promise<ValueCounters> {
  const metric = leadsByMetric(dimension);
  if (granularity === 'day' || granularity === 'week') return metrics.byValue(metric, from, to);
  return splitRead((m, first, last) => metrics.byValue(m, first, last), metric, from, to);
}

/** Reads the counters one report needs (O(days × shards) items, never a contact) and computes it. */
export async function runReport(name: ReportName, query: ReportQuery, deps: ReportDeps): Promise<ReportTable> {
  const { metrics } = deps;
  const { from, to, granularity } = query;
  const periods = (counters: DailyCounters, g: Granularity) => countersByPeriod(counters, { from, to, granularity: g });
  switch (name) {
    case 'funnel': {
      const [now, after] = await Promise.all([
        metrics.counters(ReportMetric.stageGauge, GAUGE_DAY, GAUGE_DAY),
        // The days after `to` up to any day counted: whole months from the month items, so O(months since `to`).
        rangeCounters(metrics, ReportMetric.funnel, addDays(to, 1), LAST_DAY),
      ]);
      if (granularity) {
        // Per period: the daily counters from `stalledDays` before `from`, for each period end's stalled count.
        const first = addDays(from, 1 - query.stalledDays);
        const [daily, stays] = await Promise.all([metrics.counters(ReportMetric.funnel, first, to), metrics.counters(ReportMetric.stageStays, first, to)]);
        return funnelByPeriod(daily, { now: now.get(GAUGE_DAY) ?? {}, after, stays }, { from, to, granularity, stalledDays: query.stalledDays }, deps.funnel);
      }
      const recentFrom = addDays(to, 1 - query.stalledDays);
      const [funnel, recent, stays] = await Promise.all([
        rangeCounters(metrics, ReportMetric.funnel, from, to),
        rangeCounters(metrics, ReportMetric.funnel, recentFrom, to),
        metrics.counters(ReportMetric.stageStays, recentFrom, to),
      ]);
      const stalled = stalledAsOf(
        { now: now.get(GAUGE_DAY) ?? {}, after, recent, stays },
        { to, stalledDays: query.stalledDays, stages: [...deps.funnel.stages, ...deps.funnel.sideStages] },
      );
      return funnelReport(funnel, stalled, deps.funnel);
    }
    case 'leads': {
      if (query.by === 'version') throw new UnsupportedBy(name, query.by, LEAD_DIMENSIONS);
      const options = { from, to, granularity: granularity ?? 'day', touch: query.touch } as const;
      if (!query.by) return leadsReport(await metrics.counters(ReportMetric.leads, from, to), options);
      // Attribution lives in one item per day and value, not in the `leads` items (see leadsByMetric).
      const values = await leadValues(metrics, query.by, from, to, options.granularity);
      return leadsReport(dimensionCounters(query.by, values), { ...options, by: query.by });
    }
    case 'email': {
      const email = await periodCounters(metrics, ReportMetric.email, from, to, granularity);
      return granularity ? stackPeriods(periods(email, granularity), emailReport) : emailReport(email);
    }
    case 'lead-scores':
      return leadScoresReport(await metrics.counters(ReportMetric.leadScores, `${from.slice(0, 7)}-01`, to), { from, to });
    case 'cost': {
      if (granularity && granularity !== 'month') throw new UnsupportedGranularity(name, granularity, ['month']);
      // MQLs by journey from the `leads` items, by last-touch campaign from the campaign's per-value items.
      const [leadItems, campaigns, apiPrograms, sms] = await Promise.all([
        metrics.counters(ReportMetric.leads, from, to),
        leadValues(metrics, 'campaign', from, to, granularity),
        deps.programs.list(),
        metrics.counters(ReportMetric.sms, from, to),
      ]);
      const leads = mergeCounters(leadItems, dimensionCounters('campaign', campaigns));
      const programs = mergePrograms(deps.filePrograms ?? [], apiPrograms);
      if (!granularity) return costReport(leads, programs, { from, to, sms });
      const smsByMonth = periods(sms, 'month');
      return stackPeriods(periods(leads, 'month'), (counters, month) =>
        costReport(counters, programs, {
          from: from > `${month}-01` ? from : `${month}-01`,
          to: to.slice(0, 7) === month ? to : periodEnd(month, 'month'),
          ...(smsByMonth.get(month) ? { sms: smsByMonth.get(month) } : {}),
        }),
      );
    }
    case 'journeys': {
      if (query.by && query.by !== 'version') throw new UnsupportedBy(name, query.by, ['version']);
      if (query.by === 'version') {
        const versions = await periodCounters(metrics, ReportMetric.journeyVersions, from, to, granularity);
        if (granularity) return stackPeriods(periods(versions, granularity), (counters) => journeyVersionsReport(counters, undefined));
        const gauge = await metrics.counters(ReportMetric.journeyVersionGauge, GAUGE_DAY, GAUGE_DAY);
        return journeyVersionsReport(versions, gauge.get(GAUGE_DAY) ?? {});
      }
      const journeys = await periodCounters(metrics, ReportMetric.journeys, from, to, granularity);
      if (granularity) return stackPeriods(periods(journeys, granularity), (counters) => journeysReport(counters, undefined));
      const active = await metrics.counters(ReportMetric.journeySteps, GAUGE_DAY, GAUGE_DAY);
      return journeysReport(journeys, placeGauge(active.get(GAUGE_DAY) ?? {}, deps.journeys));
    }
  }
}

/**
 * A monthly-kept metric for a report: whole months from the month items unless the rows are per day or week (then
 * every day's item), since a month item is keyed by its first day and cannot be split.
 */
function periodCounters(metrics: Metrics, metric: string, from: string, to: string, granularity: Granularity | undefined) {
  return granularity === 'day' || granularity === 'week' ? metrics.counters(metric, from, to) : rangeCounters(metrics, metric, from, to);
}

/** The step gauge (`<journey>/<step>` = contacts) with each journey's marks placed in the wait the contacts sit in. */
function placeGauge(gauge: Readonly<Record<string, number>>, journeys: ReadonlyMap<string, Journey> | undefined): Record<string, number> {
  if (!journeys) return { ...gauge };
  const byJourney = new Map<string, Record<string, number>>();
  for (const [name, value] of Object.entries(gauge)) {
    const [journeyId, step] = parseAttr(name);
    if (!journeyId || !step || value <= 0) continue;
    const steps = byJourney.get(journeyId) ?? byJourney.set(journeyId, {}).get(journeyId)!;
    steps[step] = (steps[step] ?? 0) + value;
  }
  return Object.fromEntries(
    [...byJourney].flatMap(([journeyId, steps]) => Object.entries(placeInWaits(journeys.get(journeyId), steps)).map(([step, n]) => [attr(journeyId, step), n])),
  );
}
