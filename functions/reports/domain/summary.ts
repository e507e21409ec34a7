import { awsPrices, estimateCost } from './aws-prices';
import { parseAttr } from './counters';
import type { DailyCounters, ReportTable } from './reports';

export const SUMMARY_METRICS = ['newLeads', 'mqls', 'sqls', 'customers', 'sends', 'humanClickRate', 'bounceRate', 'complaintRate', 'smsSent', 'smsCost', 'awsCost'] as const;
export type SummaryMetricId = (typeof SUMMARY_METRICS)[number];

/**
 * SES's account-level reputation thresholds: above `review` the account is put under review, above `pause` SES may
 * pause sending. Source: Amazon SES Developer Guide, "Reputation metrics" / enforcement FAQ (bounce rate review at
 * 5% and pause at 10%; complaint rate review at 0.1% and pause at 0.5%).
 */
export const SES_THRESHOLDS = {
  bounceRate: { review: 0.05, pause: 0.1, source: 'SES' },
  complaintRate: { review: 0.001, pause: 0.005, source: 'SES' },
} as const;

export interface SummaryMetric {
  readonly id: SummaryMetricId;
  readonly label: string;
  readonly unit: 'count' | 'rate' | 'usd';
  readonly value: number | null;
  readonly previousValue: number | null;
  readonly series: readonly { readonly date: string; readonly value: number | null }[];
  readonly threshold?: { readonly review: number; readonly pause: number; readonly source: 'SES' };
  readonly estimate?: true;
  readonly pricedOn?: string;
}

/** The daily counters a summary reads, for the range and the previous one together. */
export interface SummaryCounters {
  readonly leads: DailyCounters;
  readonly email: DailyCounters;
  readonly journeys: DailyCounters;
  /** Text messages (the `sms` report counters); absent, no SMS was counted. */
  readonly sms?: DailyCounters;
}

/** Per day: the counts the headline numbers come from. */
interface DayTotals {
  newLeads: number;
  mqls: number;
  sqls: number;
  customers: number;
  sent: number;
  delivered: number;
  bounced: number;
  softBounced: number;
  complained: number;
  uniqueClicks: number;
  engagements: number;
  journeyEntries: number;
  smsSent: number;
  /** Millionths of a dollar: the send-time estimates of the texts sent. */
  smsCostMicroUsd: number;
}

const LABELS: Record<SummaryMetricId, [string, SummaryMetric['unit']]> = {
  newLeads: ['New leads', 'count'],
  mqls: ['MQLs', 'count'],
  sqls: ['SQLs', 'count'],
  customers: ['Customers', 'count'],
  sends: ['Emails sent', 'count'],
  humanClickRate: ['Human click rate (unique clicks / delivered)', 'rate'],
  bounceRate: ['Bounce rate (hard bounces / sent)', 'rate'],
  complaintRate: ['Complaint rate (complaints / sent)', 'rate'],
  smsSent: ['Text messages sent', 'count'],
  smsCost: ['SMS cost (estimate)', 'usd'],
  awsCost: ['AWS cost (estimate, SMS included)', 'usd'],
};

const ratio = (n: number, d: number): number | null => (d > 0 ? Math.round((n / d) * 1_000_000) / 1_000_000 : null);
const usd = (n: number) => Math.round(n * 1_000_000) / 1_000_000;

function totalsOf(day: string, counters: SummaryCounters): DayTotals {
  const t: DayTotals = { newLeads: 0, mqls: 0, sqls: 0, customers: 0, sent: 0, delivered: 0, bounced: 0, softBounced: 0, complained: 0, uniqueClicks: 0, engagements: 0, journeyEntries: 0, smsSent: 0, smsCostMicroUsd: 0 };
  const leads = counters.leads.get(day) ?? {};
  t.newLeads = leads.new ?? 0;
  t.mqls = leads['stage/mql'] ?? 0;
  t.sqls = leads['stage/sql'] ?? 0;
  t.customers = leads['stage/customer'] ?? 0;
  for (const [name, value] of Object.entries(counters.email.get(day) ?? {})) {
    const measure = parseAttr(name).at(-1);
    if (measure === 'sent' || measure === 'delivered' || measure === 'bounced' || measure === 'softBounced' || measure === 'complained' || measure === 'uniqueClicks') t[measure] += value;
    if (measure === 'opens' || measure === 'clicks' || measure === 'machineOpens' || measure === 'machineClicks') t.engagements += value;
  }
  for (const [name, value] of Object.entries(counters.journeys.get(day) ?? {})) if (parseAttr(name)[0] === 'entered') t.journeyEntries += value;
  for (const [name, value] of Object.entries(counters.sms?.get(day) ?? {})) {
    const measure = parseAttr(name).at(-1);
    if (measure === 'sent') t.smsSent += value;
    if (measure === 'costMicroUsd') t.smsCostMicroUsd += value;
  }
  return t;
}

function cost(t: DayTotals): number {
  return estimateCost({
    newLead: t.newLeads,
    journeyEntry: t.journeyEntries,
    emailSent: t.sent,
    sesEvent: t.delivered + t.bounced + t.softBounced + t.complained,
    engagement: t.engagements,
  }) + t.smsCostMicroUsd / 1_000_000;
}

function sum(days: readonly DayTotals[]): DayTotals {
  return days.reduce((a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, a[k as keyof DayTotals] + b[k as keyof DayTotals]])) as unknown as DayTotals);
}

function valueOf(id: SummaryMetricId, t: DayTotals): number | null {
  switch (id) {
    case 'newLeads':
      return t.newLeads;
    case 'mqls':
      return t.mqls;
    case 'sqls':
      return t.sqls;
    case 'customers':
      return t.customers;
    case 'sends':
      return t.sent;
    case 'humanClickRate':
      return ratio(t.uniqueClicks, t.delivered);
    case 'bounceRate':
      return ratio(t.bounced, t.sent);
    case 'complaintRate':
      return ratio(t.complained, t.sent);
    case 'smsSent':
      return t.smsSent;
    case 'smsCost':
      return usd(t.smsCostMicroUsd / 1_000_000);
    case 'awsCost':
      return usd(cost(t));
  }
}

/** Every UTC day from `from` to `to`, inclusive. */
export function daysOf(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00.000Z`); t <= Date.parse(`${to}T00:00:00.000Z`); t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** The range of the same length just before `from`..`to`. */
export function previousRange(from: string, to: string): { from: string; to: string } {
  const length = daysOf(from, to).length;
  const day = (offset: number) => new Date(Date.parse(`${from}T00:00:00.000Z`) + offset * 86_400_000).toISOString().slice(0, 10);
  return { from: day(-length), to: day(-1) };
}

/**
 * **summary**: the console's headline numbers over a range and the same-length range before it, each with its
 * per-day series; bounce and complaint rates with SES's thresholds; the AWS cost as an estimate from the counted
 * events at dated prices ({@link awsPrices}). Pure.
 */
export function summaryReport(counters: SummaryCounters, range: { from: string; to: string }): SummaryMetric[] {
  const previous = previousRange(range.from, range.to);
  const daily = daysOf(range.from, range.to).map((date) => ({ date, totals: totalsOf(date, counters) }));
  const current = sum(daily.map((d) => d.totals));
  const before = sum(daysOf(previous.from, previous.to).map((date) => totalsOf(date, counters)));
  return SUMMARY_METRICS.map((id) => {
    const [label, unit] = LABELS[id];
    return {
      id,
      label,
      unit,
      value: valueOf(id, current),
      previousValue: valueOf(id, before),
      series: daily.map((d) => ({ date: d.date, value: valueOf(id, d.totals) })),
      ...(id === 'bounceRate' || id === 'complaintRate' ? { threshold: SES_THRESHOLDS[id] } : {}),
      ...(id === 'awsCost' || id === 'smsCost' ? { estimate: true as const, pricedOn: awsPrices.pricedOn } : {}),
    };
  });
}

/** The summary as a table (CSV): one row per metric, its value, the previous range's and its thresholds. */
export function summaryTable(metrics: readonly SummaryMetric[]): ReportTable {
  return {
    columns: ['metric', 'label', 'unit', 'value', 'previousValue', 'reviewThreshold', 'pauseThreshold'],
    rows: metrics.map((m) => [m.id, m.label, m.unit, m.value, m.previousValue, m.threshold?.review ?? null, m.threshold?.pause ?? null]),
  };
}
