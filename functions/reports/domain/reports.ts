import { JOURNEY_EXIT_REASONS } from '../../shared/values';
import { DURATION_BUCKETS_HOURS, SCORE_BUCKETS, UNVERSIONED, parseAttr } from './counters';

/** A metric's counters by day (shards summed): day → counter name → value. */
export type DailyCounters = ReadonlyMap<string, Readonly<Record<string, number>>>;

/** A per-value metric's counters by day and value (shards summed): day → value → counter name → value. */
export type ValueCounters = ReadonlyMap<string, ReadonlyMap<string, Readonly<Record<string, number>>>>;

export type Granularity = 'day' | 'week' | 'month';
export type Cell = string | number | null;

/** Every report answers with one table: the API returns it as JSON or CSV, the CLI prints it, the dashboard charts it. */
export interface ReportTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

/** The period a day falls in: the day, the Monday of its ISO week, or its month (`yyyy-mm`). */
export function periodOf(day: string, granularity: Granularity): string {
  if (granularity === 'day') return day;
  if (granularity === 'month') return day.slice(0, 7);
  const date = new Date(`${day}T00:00:00.000Z`);
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  return date.toISOString().slice(0, 10);
}

/** Every period from `from` to `to`, in order (periods with no counters are rows of zeros, not gaps). */
export function periodsBetween(from: string, to: string, granularity: Granularity): string[] {
  const periods = new Set<string>();
  for (let date = new Date(`${from}T00:00:00.000Z`); date.toISOString().slice(0, 10) <= to; date.setUTCDate(date.getUTCDate() + 1)) {
    periods.add(periodOf(date.toISOString().slice(0, 10), granularity));
  }
  return [...periods];
}

const shiftDay = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00.000Z`) + days * 86_400_000).toISOString().slice(0, 10);
const monthEnd = (month: string) => shiftDay(`${shiftDay(`${month}-28`, 4).slice(0, 7)}-01`, -1);

/**
 * Splits a range of days into the whole months it covers (read from monthly items) and the days before and after
 * them (read from daily items). `months` is undefined when the range holds no whole month.
 */
export function splitRange(from: string, to: string): { head?: [string, string]; months?: [string, string]; tail?: [string, string] } {
  const first = from.endsWith('-01') ? from.slice(0, 7) : shiftDay(`${from.slice(0, 7)}-28`, 4).slice(0, 7);
  const last = monthEnd(to.slice(0, 7)) === to ? to.slice(0, 7) : shiftDay(`${to.slice(0, 7)}-01`, -1).slice(0, 7);
  if (first > last) return { head: [from, to] };
  return {
    ...(from < `${first}-01` ? { head: [from, shiftDay(`${first}-01`, -1)] as [string, string] } : {}),
    months: [first, last],
    ...(to > monthEnd(last) ? { tail: [shiftDay(monthEnd(last), 1), to] as [string, string] } : {}),
  };
}

/** The last day of the period that starts on (or, for a month `yyyy-mm`, is) `period`. */
export function periodEnd(period: string, granularity: Granularity): string {
  if (granularity === 'day') return period;
  if (granularity === 'week') return shiftDay(period, 6);
  return monthEnd(period);
}

/** A metric's counters from `from` to `to`, split by the period each day falls in: every period of the range, in order. */
export function countersByPeriod(counters: DailyCounters, options: { from: string; to: string; granularity: Granularity }): Map<string, DailyCounters> {
  const periods = new Map(periodsBetween(options.from, options.to, options.granularity).map((period) => [period, new Map<string, Readonly<Record<string, number>>>()]));
  for (const [day, counts] of counters) {
    if (day < options.from || day > options.to) continue;
    periods.get(periodOf(day, options.granularity))?.set(day, counts);
  }
  return periods;
}

/** One report table per period, stacked, with the period as the first column. */
export function stackPeriods(periods: ReadonlyMap<string, DailyCounters>, report: (counters: DailyCounters, period: string) => ReportTable): ReportTable {
  let columns: readonly string[] = [];
  const rows: Cell[][] = [];
  for (const [period, counters] of periods) {
    const table = report(counters, period);
    columns = table.columns;
    for (const row of table.rows) rows.push([period, ...row]);
  }
  return { columns: ['period', ...columns], rows };
}

const daysIn = (counters: DailyCounters, first: string, last: string): DailyCounters => new Map([...counters].filter(([day]) => day >= first && day <= last));

/**
 * **funnel** per period: each period's entries, moves and times, and the contacts stalled at the period's end
 * (the range's end for the last one). `daily` holds the daily funnel counters from `stalledDays - 1` days before
 * `from` to `to`; `after` those after `to`; `stays` the `funnel.stays` counters over the same days as `daily`.
 */
export function funnelByPeriod(
  daily: DailyCounters,
  input: { now: Readonly<Record<string, number>>; after: DailyCounters; stays: DailyCounters },
  options: { from: string; to: string; granularity: Granularity; stalledDays: number },
  config: FunnelStages,
): ReportTable {
  const stages = [...config.stages, ...config.sideStages];
  return stackPeriods(countersByPeriod(daily, options), (counters, period) => {
    const end = periodEnd(period, options.granularity) < options.to ? periodEnd(period, options.granularity) : options.to;
    const recentFrom = shiftDay(end, 1 - options.stalledDays);
    const stalled = stalledAsOf(
      { now: input.now, after: new Map([...input.after, ...daysIn(daily, shiftDay(end, 1), options.to)]), recent: daysIn(daily, recentFrom, end), stays: daysIn(input.stays, recentFrom, end) },
      { to: end, stalledDays: options.stalledDays, stages },
    );
    return funnelReport(counters, stalled, config);
  });
}

/** Sums every counter over all days. */
export function total(counters: DailyCounters): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const counts of counters.values()) for (const [name, value] of Object.entries(counts)) sums[name] = (sums[name] ?? 0) + value;
  return sums;
}

/** A ratio rounded to 4 places, or null when the denominator is 0 (no rate, rather than a fake 0%). */
export const rate = (numerator: number, denominator: number): number | null =>
  denominator > 0 ? Math.round((numerator / denominator) * 10_000) / 10_000 : null;

/**
 * The median of a histogram (`counts[i]` values in `[bounds[i-1], bounds[i])`, the first from 0), interpolated
 * linearly inside the bucket that holds it; null for an empty histogram. The last, open bucket gives its lower bound.
 */
export function histogramMedian(counts: readonly number[], bounds: readonly number[]): number | null {
  const n = counts.reduce((sum, count) => sum + Math.max(0, count), 0);
  if (n === 0) return null;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = Math.max(0, counts[i] ?? 0);
    const lower = i === 0 ? 0 : bounds[i - 1]!;
    const upper = bounds[i]!;
    if (count > 0 && seen + count >= n / 2) {
      if (!Number.isFinite(upper)) return lower;
      return lower + ((n / 2 - seen) / count) * (upper - lower);
    }
    seen += count;
  }
  return null;
}

export interface FunnelStages {
  /** The funnel's stages in order, then the side stages. */
  readonly stages: readonly string[];
  readonly sideStages: readonly string[];
}

/**
 * How many contacts were stalled in each stage at the end of `to`: in the stage then, having entered it on or
 * before `to - stalledDays`. From bounded reads only, never the whole history:
 * - `now`: the stage gauge (contacts in each stage now);
 * - `after`: the funnel counters of the days after `to` (entries and exits since), so `now` minus their net flow is
 *   the occupancy at `to`;
 * - `recent`: the funnel counters of the `stalledDays` days up to `to` (entries too recent to be stalled);
 * - `stays`: the `funnel.stays` counters of those same days, by day, to take back the recent entrants who had
 *   already left by `to` (a stay shorter than the days since the cut-off).
 */
export function stalledAsOf(
  input: { now: Readonly<Record<string, number>>; after: DailyCounters; recent: DailyCounters; stays: DailyCounters },
  options: { to: string; stalledDays: number; stages: readonly string[] },
): Record<string, number> {
  const after = total(input.after);
  const recent = total(input.recent);
  const cutoff = shiftDay(options.to, -options.stalledDays);
  const stalled: Record<string, number> = {};
  for (const stage of options.stages) {
    const key = encodeURIComponent(stage);
    const flowSince = (after[`entered/${key}`] ?? 0) - (after[`forward/${key}`] ?? 0) - (after[`dropped/${key}`] ?? 0);
    const occupancy = (input.now[key] ?? 0) - flowSince;
    let recentLeft = 0;
    for (const [day, counts] of input.stays) {
      if (day <= cutoff || day > options.to) continue;
      const before = Math.round((Date.parse(`${day}T00:00:00.000Z`) - Date.parse(`${cutoff}T00:00:00.000Z`)) / 86_400_000);
      for (const [name, value] of Object.entries(counts)) {
        const [which, days] = parseAttr(name);
        if (which === stage && Number(days) < before) recentLeft += value;
      }
    }
    stalled[stage] = Math.max(0, occupancy - ((recent[`entered/${key}`] ?? 0) - recentLeft));
  }
  return stalled;
}

/**
 * **funnel**: per stage over the range, how many entered, moved forward (to a later stage) or dropped (recycled,
 * disqualified), the conversion rate to a later stage, the median time in the stage of those who left it (days,
 * from time buckets), and how many were stalled at the end of `to` (see {@link stalledAsOf}).
 */
export function funnelReport(funnel: DailyCounters, stalled: Readonly<Record<string, number>>, config: FunnelStages): ReportTable {
  const sums = total(funnel);
  const rows = [...config.stages, ...config.sideStages].map((stage) => {
    const entered = sums[`entered/${encodeURIComponent(stage)}`] ?? 0;
    const forward = sums[`forward/${encodeURIComponent(stage)}`] ?? 0;
    const dropped = sums[`dropped/${encodeURIComponent(stage)}`] ?? 0;
    const times = DURATION_BUCKETS_HOURS.map((_, i) => sums[`time/${encodeURIComponent(stage)}/${i}`] ?? 0);
    const medianHours = histogramMedian(times, DURATION_BUCKETS_HOURS);
    return [
      stage,
      entered,
      forward,
      dropped,
      rate(forward, entered),
      medianHours === null ? null : Math.round((medianHours / 24) * 10) / 10,
      stalled[stage] ?? 0,
    ];
  });
  return { columns: ['stage', 'entered', 'forward', 'dropped', 'conversion', 'medianDaysInStage', 'stalled'], rows };
}

/**
 * One attribution dimension's per-value counters (`leads.by.<dim>` items: `new`, `stage/<stage>/<touch>`) named as
 * the leads and cost reports read them: day → `new/<dim>/<value>`, `stage/<stage>/<touch>/<dim>/<value>`.
 */
export function dimensionCounters(dimension: string, values: ValueCounters): DailyCounters {
  const days = new Map<string, Record<string, number>>();
  for (const [day, byValue] of values) {
    const sums = days.get(day) ?? {};
    for (const [value, counts] of byValue) {
      const suffix = `${encodeURIComponent(dimension)}/${encodeURIComponent(value)}`;
      for (const [name, count] of Object.entries(counts)) sums[`${name}/${suffix}`] = (sums[`${name}/${suffix}`] ?? 0) + count;
    }
    days.set(day, sums);
  }
  return days;
}

/** Counters of the same days from several metrics as one: a name on the same day in two of them is summed. */
export function mergeCounters(...parts: readonly DailyCounters[]): DailyCounters {
  const days = new Map<string, Record<string, number>>();
  for (const part of parts) {
    for (const [day, counts] of part) {
      const sums = days.get(day) ?? {};
      for (const [name, value] of Object.entries(counts)) sums[name] = (sums[name] ?? 0) + value;
      days.set(day, sums);
    }
  }
  return new Map([...days].sort(([a], [b]) => a.localeCompare(b)));
}

/** The lifecycle stages the leads report counts entries to, as columns. */
export const LEAD_STAGES = ['mql', 'sql', 'opportunity', 'customer'] as const;

/**
 * **leads**: per period, new leads, reopened (recycled leads engaging again) and entries to MQL, SQL, opportunity
 * and customer. With `by` (`source`, `medium`, `campaign`, `form`), one row per period and value instead: new leads
 * by their first touch, and stage entries by the `touch` (`first` or `last`) the contact had when it moved; `leads`
 * then holds that dimension's counters (see {@link dimensionCounters}).
 */
export function leadsReport(
  leads: DailyCounters,
  options: { from: string; to: string; granularity: Granularity; by?: 'source' | 'medium' | 'campaign' | 'form'; touch?: 'first' | 'last' },
): ReportTable {
  const byPeriod = new Map<string, Record<string, number>>();
  for (const [day, counts] of leads) {
    const period = periodOf(day, options.granularity);
    const sums = byPeriod.get(period) ?? {};
    for (const [name, value] of Object.entries(counts)) sums[name] = (sums[name] ?? 0) + value;
    byPeriod.set(period, sums);
  }
  const periods = periodsBetween(options.from, options.to, options.granularity);
  if (!options.by) {
    return {
      columns: ['period', 'new', 'reopened', ...LEAD_STAGES],
      rows: periods.map((period) => {
        const sums = byPeriod.get(period) ?? {};
        return [period, sums.new ?? 0, sums.reopened ?? 0, ...LEAD_STAGES.map((stage) => sums[`stage/${stage}`] ?? 0)];
      }),
    };
  }
  const { by } = options;
  const touch = options.touch ?? 'first';
  const rows: Cell[][] = [];
  for (const period of periods) {
    const values = new Map<string, Record<string, number>>();
    for (const [name, value] of Object.entries(byPeriod.get(period) ?? {})) {
      const parts = parseAttr(name);
      let column: string | undefined;
      let dimension: string | undefined;
      if (parts[0] === 'new' && parts[1] === by) [column, dimension] = ['new', parts[2]];
      if (parts[0] === 'stage' && parts[2] === touch && parts[3] === by) [column, dimension] = [parts[1], parts[4]];
      if (!column || dimension === undefined) continue;
      const row = values.get(dimension) ?? {};
      row[column] = (row[column] ?? 0) + value;
      values.set(dimension, row);
    }
    for (const [dimension, row] of [...values].sort(([a], [b]) => a.localeCompare(b))) {
      rows.push([period, dimension, row.new ?? 0, ...LEAD_STAGES.map((stage) => row[stage] ?? 0)]);
    }
  }
  return { columns: ['period', by, 'new', ...LEAD_STAGES], rows };
}

const EMAIL_MEASURES = [
  'sent', 'delivered', 'bounced', 'softBounced', 'complained', 'unsubscribed',
  'opens', 'uniqueOpens', 'clicks', 'uniqueClicks', 'machineOpens', 'machineClicks',
] as const;

/**
 * **email**: per journey, step and template over the range: sends, deliveries, hard and soft bounces, complaints,
 * unsubscribes, human opens and clicks (total and unique per message) with open rate (unique opens / delivered),
 * click-through rate (unique clicks / delivered) and click-to-open rate (unique clicks / unique opens). Machine
 * opens and clicks (privacy proxies, link scanners) are excluded from those and shown apart.
 */
export function emailReport(email: DailyCounters): ReportTable {
  const byKey = new Map<string, Record<string, number>>();
  for (const [name, value] of Object.entries(total(email))) {
    const parts = parseAttr(name);
    const measure = parts.pop()!;
    const key = parts.map((part) => encodeURIComponent(part)).join('/');
    const row = byKey.get(key) ?? {};
    row[measure] = (row[measure] ?? 0) + value;
    byKey.set(key, row);
  }
  const rows = [...byKey]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, m]) => {
      const [journey, step, template] = parseAttr(key);
      const get = (measure: string) => m[measure] ?? 0;
      return [
        journey ?? '-', step ?? '-', template ?? '-',
        ...EMAIL_MEASURES.map(get),
        rate(get('uniqueOpens'), get('delivered')),
        rate(get('uniqueClicks'), get('delivered')),
        rate(get('uniqueClicks'), get('uniqueOpens')),
      ];
    });
  return { columns: ['journey', 'step', 'template', ...EMAIL_MEASURES, 'openRate', 'clickThroughRate', 'clickToOpenRate'], rows };
}

/** Score bucket labels: `0-9`, `10-19`, … `100+`. */
export const SCORE_BUCKET_LABELS = Array.from({ length: SCORE_BUCKETS }, (_, i) => (i === SCORE_BUCKETS - 1 ? `${i * 10}+` : `${i * 10}-${i * 10 + 9}`));

/**
 * **lead-scores**: for every month in the range, the leads created that month bucketed by their lead score at the
 * month's end (tens), and the median score (interpolated within its bucket): the lead-quality trend.
 */
export function leadScoresReport(scores: DailyCounters, options: { from: string; to: string }): ReportTable {
  const months = periodsBetween(options.from, options.to, 'month');
  const bounds = Array.from({ length: SCORE_BUCKETS }, (_, i) => (i === SCORE_BUCKETS - 1 ? Infinity : (i + 1) * 10));
  const rows = months.map((month) => {
    const counts = scores.get(`${month}-01`) ?? {};
    const buckets = Array.from({ length: SCORE_BUCKETS }, (_, i) => Math.max(0, counts[`b${i}`] ?? 0));
    const median = histogramMedian(buckets, bounds);
    return [month, buckets.reduce((a, b) => a + b, 0), median === null ? null : Math.round(median * 10) / 10, ...buckets];
  });
  return { columns: ['month', 'leads', 'medianScore', ...SCORE_BUCKET_LABELS], rows };
}

/**
 * **journeys**: per journey over the range, entries, completions, failures, exits by reason and the goal
 * conversion rate (goal exits / entries); and, now, how many contacts are active at each step (`step:n, …`):
 * null without `active` (a past period's row: the gauge only knows now). The same per version of each journey:
 * `by=version` ({@link journeyVersionsReport}).
 */
export function journeysReport(journeys: DailyCounters, active: Readonly<Record<string, number>> | undefined): ReportTable {
  const byJourney = new Map<string, Record<string, number>>();
  const row = (id: string) => byJourney.get(id) ?? byJourney.set(id, {}).get(id)!;
  for (const [name, value] of Object.entries(total(journeys))) {
    const [what, journeyId, reason] = parseAttr(name);
    if (!journeyId) continue;
    const counts = row(journeyId);
    const column = what === 'exited' ? `exited:${reason}` : what!;
    counts[column] = (counts[column] ?? 0) + value;
  }
  const steps = new Map<string, [string, number][]>();
  for (const [name, value] of Object.entries(active ?? {})) {
    const [journeyId, step] = parseAttr(name);
    if (!journeyId || !step || value <= 0) continue;
    row(journeyId);
    steps.set(journeyId, [...(steps.get(journeyId) ?? []), [step, value]]);
  }
  const rows = [...byJourney]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([journeyId, counts]) => {
      const get = (column: string) => counts[column] ?? 0;
      const activeSteps = (steps.get(journeyId) ?? []).sort(([a], [b]) => a.localeCompare(b));
      return [
        journeyId,
        get('entered'),
        get('completed'),
        get('failed'),
        ...JOURNEY_EXIT_REASONS.map((reason) => get(`exited:${reason}`)),
        rate(get('exited:goal'), get('entered')),
        active ? activeSteps.reduce((sum, [, n]) => sum + n, 0) : null,
        active ? activeSteps.map(([step, n]) => `${step}:${n}`).join(', ') : null,
      ];
    });
  return {
    columns: ['journey', 'entered', 'completed', 'failed', ...JOURNEY_EXIT_REASONS.map((r) => `exited:${r}`), 'goalConversion', 'active', 'activeBySteps'],
    rows,
  };
}

/** What one version of a journey did over a range, and how many contacts run on it now. */
export interface JourneyVersionCounts {
  entered: number;
  completed: number;
  failed: number;
  /** Exits by reason (`drained`: its contacts stopped when a later version went live under `on_change: drain`). */
  exited: Record<string, number>;
  /** Contacts moved from another version to this one (`journey.migrated`'s `toVersion`)… */
  migratedIn: number;
  /** …and from this one to a later one. */
  migratedOut: number;
  /** Contacts on this version now (the version gauge); null when the gauge was not read (a past period). */
  running: number | null;
}

/**
 * The `journeys.versions` counters (summed over a range) and the version gauge (`<journey>/<version>` = contacts
 * now) by journey and version. A version appears if either names it; the gauge's shard sums are clamped at 0.
 */
export function journeyVersionCounts(counters: DailyCounters, gauge: Readonly<Record<string, number>> | undefined): Map<string, Map<string, JourneyVersionCounts>> {
  const journeys = new Map<string, Map<string, JourneyVersionCounts>>();
  const counts = (journeyId: string, version: string) => {
    const versions = journeys.get(journeyId) ?? journeys.set(journeyId, new Map()).get(journeyId)!;
    const empty = { entered: 0, completed: 0, failed: 0, exited: {}, migratedIn: 0, migratedOut: 0, running: gauge ? 0 : null };
    return versions.get(version) ?? versions.set(version, empty).get(version)!;
  };
  for (const [name, value] of Object.entries(total(counters))) {
    const [journeyId, version, measure, reason] = parseAttr(name);
    if (!journeyId || !version || !measure) continue;
    const row = counts(journeyId, version);
    if (measure === 'exited' && reason) row.exited[reason] = (row.exited[reason] ?? 0) + value;
    else if (measure === 'entered' || measure === 'completed' || measure === 'failed' || measure === 'migratedIn' || measure === 'migratedOut') row[measure] += value;
  }
  for (const [name, value] of Object.entries(gauge ?? {})) {
    const [journeyId, version] = parseAttr(name);
    if (!journeyId || !version || value <= 0) continue;
    const row = counts(journeyId, version);
    row.running = (row.running ?? 0) + value;
  }
  return journeys;
}

/** Versions in reading order: by label, {@link UNVERSIONED} (the oldest runs) last. */
export const byVersionLabel = (a: string, b: string): number => Number(a === UNVERSIONED) - Number(b === UNVERSIONED) || a.localeCompare(b);

/**
 * **journeys** with `by=version`: one row per journey and version (the compiled states' 8-hex hash; `unversioned`
 * for runs that began before journeys had versions) over the range: entries, completions, failures, exits by reason
 * (`exited:drained` when a later version drained it), contacts moved in from and out to other versions, and how many
 * run on it now (`running`, null without `gauge`: a past period's row). Rows of one journey add up to its row in
 * {@link journeysReport}, so a spreadsheet may sum them; the live version is `GET /journeys/{id}`'s `version`.
 */
export function journeyVersionsReport(counters: DailyCounters, gauge: Readonly<Record<string, number>> | undefined): ReportTable {
  const rows: Cell[][] = [];
  for (const [journeyId, versions] of [...journeyVersionCounts(counters, gauge)].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [version, c] of [...versions].sort(([a], [b]) => byVersionLabel(a, b))) {
      rows.push([journeyId, version, c.entered, c.completed, c.failed, ...JOURNEY_EXIT_REASONS.map((r) => c.exited[r] ?? 0), c.migratedIn, c.migratedOut, c.running]);
    }
  }
  return {
    columns: ['journey', 'version', 'entered', 'completed', 'failed', ...JOURNEY_EXIT_REASONS.map((r) => `exited:${r}`), 'migratedIn', 'migratedOut', 'running'],
    rows,
  };
}

/** A marketing program and what it cost: labour, tools, ad spend, by month (`yyyy-mm`). */
export interface Program {
  readonly id: string;
  readonly label?: string;
  /** MQLs attributed to the program: those in this journey when they became MQL… */
  readonly journey?: string;
  /** …or whose last touch before becoming MQL carried this UTM campaign. */
  readonly campaign?: string;
  readonly costs: readonly { readonly month: string; readonly kind: string; readonly amount: number }[];
}

/**
 * **cost**: per program, its costs in the months of the range, the MQLs attributed to it in the range (journey
 * membership or last-touch UTM campaign when they became MQL; a program with both counts each MQL once per
 * attribution kind, so give a program one of them) and the cost per MQL (null with no MQL). `leads` holds the
 * `leads` counters and the campaign's (see {@link dimensionCounters}, {@link mergeCounters}).
 */
export function costReport(
  leads: DailyCounters,
  programs: readonly Program[],
  options: { from: string; to: string; mqlStage?: string; sms?: DailyCounters },
): ReportTable {
  const sums = total(leads);
  const stage = encodeURIComponent(options.mqlStage ?? 'mql');
  const months = new Set(periodsBetween(options.from, options.to, 'month'));
  const smsSpend = smsSpendByJourney(options.sms);
  const rows = programs.map((program) => {
    const cost = program.costs.filter((c) => months.has(c.month)).reduce((sum, c) => sum + c.amount, 0);
    const sms = program.journey ? smsSpend.get(program.journey) ?? 0 : 0;
    const mqls =
      (program.journey ? sums[`stage/${stage}/journey/${encodeURIComponent(program.journey)}`] ?? 0 : 0) +
      (program.campaign ? sums[`stage/${stage}/last/campaign/${encodeURIComponent(program.campaign)}`] ?? 0 : 0);
    const cents = (n: number) => Math.round(n * 100) / 100;
    return [program.id, program.label ?? program.id, cents(cost), mqls, mqls > 0 ? cents((cost + sms) / mqls) : null, cents(sms)];
  });
  return { columns: ['program', 'label', 'cost', 'mqls', 'costPerMql', 'smsCost'], rows };
}

/** USD spent on text messages per journey (send-time estimates), from the `sms` counters. */
function smsSpendByJourney(sms: DailyCounters | undefined): Map<string, number> {
  const spend = new Map<string, number>();
  for (const [name, micro] of Object.entries(total(sms ?? new Map()))) {
    const [journey, , , measure] = parseAttr(name);
    if (measure === 'costMicroUsd' && journey && journey !== '-') spend.set(journey, (spend.get(journey) ?? 0) + micro / 1_000_000);
  }
  return spend;
}

/** A table as CSV (RFC 4180 quoting; empty cells for null). */
export function toCsv(table: ReportTable): string {
  const cell = (value: Cell) => {
    if (value === null) return '';
    const text = String(value);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [table.columns.map(cell).join(','), ...table.rows.map((row) => row.map(cell).join(','))].join('\r\n') + '\r\n';
}

/** A table as aligned text for a terminal: numbers right-aligned, rates as percentages, null as `-`. */
export function formatTable(table: ReportTable): string {
  const rateColumn = (column: string) => /rate|conversion/i.test(column);
  const cells = table.rows.map((row) =>
    row.map((value, i) => {
      if (value === null) return '-';
      if (typeof value === 'number' && rateColumn(table.columns[i]!)) return `${(value * 100).toFixed(1)}%`;
      return String(value);
    }),
  );
  const widths = table.columns.map((column, i) => Math.max(column.length, ...cells.map((row) => row[i]!.length)));
  const numeric = table.columns.map((_, i) => table.rows.length > 0 && table.rows.every((row) => row[i] === null || typeof row[i] === 'number'));
  const line = (row: readonly string[]) => row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(table.columns), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.map(line)].join('\n');
}
