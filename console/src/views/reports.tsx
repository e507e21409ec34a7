import type { ChartConfiguration } from 'chart.js';
import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import type { ViewProps } from '../app';
import { useResource } from '../api';
import { ChartCanvas, PALETTE } from '../components/charts';
import { Card, ErrorNote, Loaded, Page, Table } from '../components/page';
import { saveFile } from '../components/save-file';
import { useConsole } from '../context';
import { formatCount, formatRate, humanize, lastDays } from '../format';
import { href, navigate } from '../router';

/** A report as `GET /reports/{name}` answers it: named columns and rows of values. */
interface Report {
  readonly report: string;
  readonly from: string;
  readonly to: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number | null)[])[];
}

const GRANULARITIES = ['day', 'week', 'month'] as const;
type Granularity = (typeof GRANULARITIES)[number];
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const column = (report: Report, name: string) => report.rows.map((row) => row[report.columns.indexOf(name)] ?? null);
const numbers = (report: Report, name: string) => column(report, name).map((value) => (typeof value === 'number' ? value : 0));
const cell = (report: Report, row: readonly (string | number | null)[], name: string) => row[report.columns.indexOf(name)] ?? null;
const count = (value: string | number | null) => (typeof value === 'number' ? formatCount(value) : '–');
const rate = (value: string | number | null) => (typeof value === 'number' ? formatRate(value) : '–');
const percentTicks = { callback: (value: string | number) => `${Math.round(Number(value) * 100)}%` };

export function ReportsView(props: ViewProps) {
  const { api } = useConsole();
  const fallback = lastDays(30);
  const from = DAY.test(props.query.get('from') ?? '') ? props.query.get('from')! : fallback.from;
  const to = DAY.test(props.query.get('to') ?? '') ? props.query.get('to')! : fallback.to;
  const granularity: Granularity = GRANULARITIES.find((g) => g === props.query.get('granularity')) ?? 'week';
  // Funnel and email for the whole range (with a granularity they answer per period); leads per period.
  const reports = useResource(
    () =>
      Promise.all([
        api.get<Report>('/reports/funnel', { from, to }),
        api.get<Report>('/reports/leads', { from, to, granularity }),
        api.get<Report>('/reports/email', { from, to }),
        api.get<Report>('/reports/lead-scores', { from, to }),
      ]),
    [from, to, granularity],
  );
  return (
    <Page title="Reports">
      <RangeForm key={`${from}-${to}-${granularity}`} from={from} to={to} granularity={granularity} />
      <Loaded resource={reports} label="Loading the reports…">
        {([funnel, leads, email, scores]) => (
          <div class="reports">
            <FunnelReport report={funnel} granularity={granularity} />
            <LeadsReport report={leads} granularity={granularity} />
            <EmailReport report={email} granularity={granularity} />
            <ScoresReport report={scores} granularity={granularity} />
          </div>
        )}
      </Loaded>
    </Page>
  );
}

function RangeForm(props: { from: string; to: string; granularity: Granularity }) {
  const [from, setFrom] = useState(props.from);
  const [to, setTo] = useState(props.to);
  const [granularity, setGranularity] = useState(props.granularity);
  return (
    <form
      class="inline-fields range"
      aria-label="Range"
      onSubmit={(event) => {
        event.preventDefault();
        navigate(href('/reports', { from, to, granularity }));
      }}
    >
      <label class="field">
        <span>From</span>
        <input type="date" value={from} max={to} required onInput={(event) => setFrom(event.currentTarget.value)} />
      </label>
      <label class="field">
        <span>To</span>
        <input type="date" value={to} min={from} required onInput={(event) => setTo(event.currentTarget.value)} />
      </label>
      <label class="field">
        <span>Leads per</span>
        <select value={granularity} onChange={(event) => setGranularity(event.currentTarget.value as Granularity)}>
          {GRANULARITIES.map((g) => (
            <option value={g}>{g}</option>
          ))}
        </select>
      </label>
      <div class="field">
        <button type="submit" class="primary">
          Show
        </button>
      </div>
    </form>
  );
}

/** A report's card: its chart, a CSV download of the same report, and the numbers as a table. */
function ReportCard(props: { name: string; title: string; report: Report; query: Record<string, string>; children: ComponentChildren }) {
  const { api } = useConsole();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const filename = `${props.name}-${props.report.from}-${props.report.to}.csv`;
  return (
    <Card title={props.title} id={`report-${props.name}`} class="report">
      <p>
        <button
          type="button"
          disabled={busy}
          aria-label={`Download CSV of the ${props.title.toLowerCase()} report`}
          onClick={async () => {
            setBusy(true);
            setError(undefined);
            try {
              const blob = await api.download(`/reports/${props.name}`, { from: props.report.from, to: props.report.to, ...props.query, format: 'csv' });
              saveFile(new Blob([blob], { type: 'text/csv' }), filename);
            } catch (failure) {
              setError(failure as Error);
            } finally {
              setBusy(false);
            }
          }}
        >
          {busy ? 'Downloading…' : 'Download CSV'}
        </button>
      </p>
      <ErrorNote error={error} />
      {props.children}
    </Card>
  );
}

function FunnelReport(props: { report: Report; granularity: Granularity }) {
  const { report } = props;
  const config = useMemo<ChartConfiguration>(
    () => ({
      type: 'bar',
      data: {
        labels: column(report, 'stage').map((stage) => humanize(String(stage))),
        datasets: [
          { label: 'Entered', data: numbers(report, 'entered'), backgroundColor: PALETTE[0] },
          { label: 'Moved forward', data: numbers(report, 'forward'), backgroundColor: PALETTE[1] },
          { label: 'Stalled at the end', data: numbers(report, 'stalled'), backgroundColor: PALETTE[3] },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    }),
    [report],
  );
  return (
    <ReportCard name="funnel" title="Funnel" report={report} query={{}}>
      <ChartCanvas id="chart-funnel" config={config} label="Funnel: contacts entering, moving forward from and stalled in each stage. The numbers are in the table below." />
      <Table
        caption="Funnel by stage"
        head={['Stage', 'Entered', 'Moved forward', 'Dropped', 'Conversion', 'Median days in stage', 'Stalled']}
        numeric={[1, 2, 3, 4, 5, 6]}
        rows={report.rows.map((row) => [
          humanize(String(cell(report, row, 'stage'))),
          count(cell(report, row, 'entered')),
          count(cell(report, row, 'forward')),
          count(cell(report, row, 'dropped')),
          rate(cell(report, row, 'conversion')),
          cell(report, row, 'medianDaysInStage') ?? '–',
          count(cell(report, row, 'stalled')),
        ])}
      />
    </ReportCard>
  );
}

const LEAD_SERIES = [
  ['new', 'New leads'],
  ['reopened', 'Reopened'],
  ['mql', 'MQL'],
  ['sql', 'SQL'],
  ['opportunity', 'Opportunity'],
  ['customer', 'Customer'],
] as const;

function LeadsReport(props: { report: Report; granularity: Granularity }) {
  const { report } = props;
  const series = LEAD_SERIES.filter(([name]) => report.columns.includes(name));
  // Counts per period are bars: a line between two days would invent values in between.
  const config = useMemo<ChartConfiguration>(
    () => ({
      type: 'bar',
      data: {
        labels: column(report, 'period').map(String),
        datasets: series.map(([name, label], index) => ({ label, data: numbers(report, name), backgroundColor: PALETTE[index % PALETTE.length] })),
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    }),
    [report],
  );
  return (
    <ReportCard name="leads" title="Leads" report={report} query={{ granularity: props.granularity }}>
      <ChartCanvas id="chart-leads" config={config} label={`Leads and stage entries per ${props.granularity}. The numbers are in the table below.`} />
      <Table
        caption={`Leads per ${props.granularity}`}
        head={[humanize(props.granularity), ...series.map(([, label]) => label)]}
        numeric={series.map((_, index) => index + 1)}
        rows={report.rows.map((row) => [String(cell(report, row, 'period')), ...series.map(([name]) => count(cell(report, row, name)))])}
      />
    </ReportCard>
  );
}

function EmailReport(props: { report: Report; granularity: Granularity }) {
  const { report } = props;
  const labels = report.rows.map((row) => `${cell(report, row, 'journey')} / ${cell(report, row, 'template')}`);
  // Volumes beside rates: delivered counts as bars on their own axis, rates as straight lines (no smoothing).
  const config = useMemo<ChartConfiguration>(
    () => ({
      type: 'bar',
      data: {
        labels,
        datasets: [
          { type: 'bar', label: 'Delivered', data: numbers(report, 'delivered'), backgroundColor: PALETTE[5], yAxisID: 'count', order: 2 },
          { type: 'line', label: 'Open rate', data: numbers(report, 'openRate'), borderColor: PALETTE[0], backgroundColor: PALETTE[0], tension: 0, yAxisID: 'rate', order: 1 },
          { type: 'line', label: 'Click-through rate', data: numbers(report, 'clickThroughRate'), borderColor: PALETTE[1], backgroundColor: PALETTE[1], tension: 0, yAxisID: 'rate', order: 1 },
        ],
      },
      options: {
        scales: {
          count: { type: 'linear', position: 'left', beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Delivered' } },
          rate: { type: 'linear', position: 'right', beginAtZero: true, suggestedMax: 1, ticks: percentTicks, grid: { drawOnChartArea: false }, title: { display: true, text: 'Rate' } },
        },
      },
    }),
    [report],
  );
  return (
    <ReportCard name="email" title="Email performance" report={report} query={{}}>
      <ChartCanvas id="chart-email" config={config} label="Email: delivered per journey and template, with open and click-through rates. The numbers are in the table below." />
      <Table
        caption="Email per journey, step and template"
        head={['Journey / step / template', 'Sent', 'Delivered', 'Bounced', 'Complaints', 'Unique opens', 'Unique clicks', 'Open rate', 'Click-through', 'Click-to-open']}
        numeric={[1, 2, 3, 4, 5, 6, 7, 8, 9]}
        empty="No email sent in this range."
        rows={report.rows.map((row) => [
          `${cell(report, row, 'journey')} / ${cell(report, row, 'step')} / ${cell(report, row, 'template')}`,
          count(cell(report, row, 'sent')),
          count(cell(report, row, 'delivered')),
          count(cell(report, row, 'bounced')),
          count(cell(report, row, 'complained')),
          count(cell(report, row, 'uniqueOpens')),
          count(cell(report, row, 'uniqueClicks')),
          rate(cell(report, row, 'openRate')),
          rate(cell(report, row, 'clickThroughRate')),
          rate(cell(report, row, 'clickToOpenRate')),
        ])}
      />
    </ReportCard>
  );
}

function ScoresReport(props: { report: Report; granularity: Granularity }) {
  const { report } = props;
  const buckets = report.columns.slice(3);
  const config = useMemo<ChartConfiguration>(
    () => ({
      type: 'bar',
      data: {
        labels: buckets,
        datasets: report.rows.map((row, index) => ({
          label: `${row[0]} (median ${row[2] ?? '–'})`,
          data: row.slice(3).map((value) => (typeof value === 'number' ? value : 0)),
          backgroundColor: PALETTE[index % PALETTE.length],
        })),
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    }),
    [report],
  );
  return (
    <ReportCard name="lead-scores" title="Lead scores of new leads (month end)" report={report} query={{}}>
      <ChartCanvas id="chart-lead-scores" config={config} label="Lead scores: new leads of each month by their score at the month's end. The numbers are in the table below." />
      <Table
        caption="New leads by score at the month's end"
        head={['Month', 'Leads', 'Median score', ...buckets]}
        numeric={[1, 2, ...buckets.map((_, index) => index + 3)]}
        rows={report.rows.map((row) => [String(row[0]), count(row[1] ?? null), row[2] ?? '–', ...row.slice(3).map((value) => count(value))])}
      />
    </ReportCard>
  );
}
