import type { ViewProps } from '../app';
import { useResource } from '../api';
import { Card, Loaded, Page } from '../components/page';
import { Sparkline } from '../components/sparkline';
import { useConsole } from '../context';
import { formatCount, formatDay, formatRate, formatUsd, lastDays } from '../format';
import { href, navigate } from '../router';

/** `GET /reports/summary`: the headline numbers of a range, each with the previous range's value and a daily series. */
export interface Summary {
  readonly from: string;
  readonly to: string;
  readonly previous: { readonly from: string; readonly to: string };
  readonly metrics: readonly SummaryMetric[];
  /** True when the AWS cost is estimated from usage and list prices, not billed. */
  readonly estimate?: boolean;
  readonly pricedOn?: string;
}

export interface SummaryMetric {
  readonly id: string;
  readonly label: string;
  readonly unit: 'count' | 'rate' | 'usd';
  readonly value: number | null;
  readonly previousValue: number | null;
  readonly series: readonly { readonly date: string; readonly value: number | null }[];
  /** SES's account review and pause levels for this rate. */
  readonly threshold?: { readonly review: number; readonly pause: number; readonly source?: string };
}

export const RANGES = [7, 30, 90] as const;
/** Metrics where a rise is bad news. */
const LOWER_IS_BETTER: ReadonlySet<string> = new Set(['bounceRate', 'complaintRate', 'smsCost', 'awsCost']);

const formatValue = (unit: SummaryMetric['unit'], value: number | null | undefined) =>
  unit === 'rate' ? formatRate(value) : unit === 'usd' ? formatUsd(value) : formatCount(value);

export function HomeView(props: ViewProps) {
  const { api } = useConsole();
  const days = RANGES.find((n) => String(n) === props.query.get('days')) ?? 30;
  const range = lastDays(days);
  const summary = useResource(() => api.get<Summary>('/reports/summary', range), [range.from, range.to]);
  return (
    <Page
      title="Home"
      actions={
        <label class="field inline">
          <span>Range</span>
          <select value={String(days)} onChange={(event) => navigate(href('/', { days: event.currentTarget.value }), { replace: true })}>
            {RANGES.map((n) => (
              <option value={String(n)}>Last {n} days</option>
            ))}
          </select>
        </label>
      }
    >
      <Loaded resource={summary} label="Loading the headline numbers…">
        {(data) => (
          <>
            <p class="muted">
              {formatDay(data.from)} – {formatDay(data.to)}, compared with {formatDay(data.previous.from)} – {formatDay(data.previous.to)}.
            </p>
            <ul class="grid metrics" aria-label="Headline numbers">
              {data.metrics.map((metric) => (
                <li key={metric.id}>
                  <MetricCard metric={metric} days={days} summary={data} />
                </li>
              ))}
            </ul>
          </>
        )}
      </Loaded>
    </Page>
  );
}

function MetricCard(props: { metric: SummaryMetric; days: number; summary: Summary }) {
  const { metric } = props;
  const values = metric.series.map((point) => point.value ?? 0);
  return (
    <Card class="metric" id={`metric-${metric.id}`} title={metric.label}>
      <p class="value" data-metric={metric.id}>
        {formatValue(metric.unit, metric.value)}
      </p>
      {metric.threshold ? <ThresholdBadge metric={metric} /> : null}
      <Trend metric={metric} days={props.days} />
      {metric.series.length > 1 ? (
        <Sparkline
          values={values}
          label={`${metric.label} per day, from ${formatValue(metric.unit, values[0])} on ${formatDay(metric.series[0]!.date)} to ${formatValue(metric.unit, values[values.length - 1])} on ${formatDay(metric.series[metric.series.length - 1]!.date)}`}
        />
      ) : null}
      {(metric.id === 'awsCost' || metric.id === 'smsCost') && props.summary.estimate ? (
        <p class="hint">Estimated from usage{props.summary.pricedOn ? ` at list prices of ${formatDay(props.summary.pricedOn)}` : ''}.</p>
      ) : null}
    </Card>
  );
}

/** The value against the previous range: an arrow (decoration) and the same in words. */
function Trend(props: { metric: SummaryMetric; days: number }) {
  const { value, previousValue, unit, id } = props.metric;
  const period = `the previous ${props.days} days`;
  if (value == null || previousValue == null) return <p class="trend">No figure for {period}</p>;
  const difference = value - previousValue;
  if (difference === 0) return <p class="trend">Same as {period}</p>;
  const up = difference > 0;
  const better = up !== LOWER_IS_BETTER.has(id);
  const change =
    unit === 'rate'
      ? `${(Math.abs(difference) * 100).toFixed(2)} points`
      : previousValue === 0
        ? formatValue(unit, Math.abs(difference))
        : `${Math.round((Math.abs(difference) / Math.abs(previousValue)) * 100)}%`;
  return (
    <p class="trend">
      <span class={better ? 'trend-better' : 'trend-worse'}>
        <span aria-hidden="true">{up ? '▲' : '▼'} </span>
        {up ? 'Up' : 'Down'} {change}
      </span>{' '}
      from {formatValue(unit, previousValue)} in {period}
    </p>
  );
}

/** ok / review / pause against SES's levels: at the review level SES looks at the account, at pause it stops sending. */
export function thresholdLevel(value: number, threshold: { review: number; pause: number }): 'ok' | 'review' | 'pause' {
  if (value >= threshold.pause) return 'pause';
  if (value >= threshold.review) return 'review';
  return 'ok';
}

function ThresholdBadge(props: { metric: SummaryMetric }) {
  const threshold = props.metric.threshold!;
  const level = thresholdLevel(props.metric.value ?? 0, threshold);
  const tone = level === 'ok' ? 'good' : level === 'review' ? 'warn' : 'bad';
  return (
    <p class="threshold">
      <span class={`badge ${tone}`} data-level={level}>
        {level}
      </span>{' '}
      <span class="hint">
        review at {formatRate(threshold.review)}, pause at {formatRate(threshold.pause)}
        {threshold.source ? ` (${threshold.source})` : ''}
      </span>
    </p>
  );
}
