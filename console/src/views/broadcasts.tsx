import { useEffect, useState } from 'preact/hooks';
import { ApiError, useResource } from '../api';
import type { ViewProps } from '../app';
import { ConfirmDialog } from '../components/confirm';
import { EmailPreview } from '../components/email-preview';
import { Card, ErrorNote, Loaded, Page, Table } from '../components/page';
import { useConsole } from '../context';
import { formatCount, formatRate, formatTime, humanize } from '../format';
import { href, navigate } from '../router';
import { fieldErrorsOf } from './segments';
import { listOfTemplates } from './templates';

type When = { now: true } | { at: string } | { local_hour: { date: string; hour: number } };

/** A broadcast as `GET /broadcasts/{id}` answers: its definition, status and progress counts. */
interface Broadcast {
  readonly id: string;
  readonly name: string;
  readonly template: string;
  readonly segment: string;
  readonly topic?: string;
  readonly when: When;
  readonly status: 'queued' | 'sending' | 'sent' | 'cancelled' | 'failed';
  readonly audience: number;
  readonly queued: number;
  readonly sent: number;
  readonly skipped: Readonly<Record<string, number>>;
  readonly failed: number;
  readonly createdAt: string;
  readonly startsAt?: string;
  readonly finishedAt?: string;
  readonly experiment?: string;
  readonly picked?: string;
  readonly rollout?: { readonly decision: string; readonly arm: string; readonly why: string; readonly at: string };
}

interface DryRun {
  readonly audience: number;
  readonly evaluated: number;
  readonly eligible: number;
  readonly later: number;
  readonly skipped: Readonly<Record<string, number>>;
  readonly startsAt?: string;
  readonly sample?: { readonly contactId: string; readonly subject: string; readonly html: string; readonly text: string };
  readonly experiment?: { readonly arms?: Readonly<Record<string, number>>; readonly holdout?: number; readonly rest?: number };
}

interface ExperimentSummary {
  readonly id: string;
  readonly name: string;
  readonly arms: readonly string[];
}

interface ExperimentReport {
  readonly id: string;
  readonly name: string;
  readonly hypothesis?: string;
  readonly metric: string | { readonly event: string; readonly within?: number };
  readonly method: string;
  readonly plan: { readonly perArm: number; readonly fixedHorizonPerArm: number };
  readonly arms: readonly {
    arm: string;
    sends: number;
    humanClicks?: number;
    conversions?: number;
    rate: number | null;
    interval: { low: number; high: number };
    probabilityToBeBest: number;
    liftOverHoldout: { absolute: number; relative: number | null } | null;
    liftWhyNot?: string;
  }[];
  readonly holdout: { readonly share: number; readonly contacts: number; readonly rate: number | null } | null;
  readonly decision: { readonly status: string; readonly arm?: string; readonly why: string };
}

const RUNNING = new Set(['queued', 'sending']);
const STATUS_TONE: Readonly<Record<string, string>> = { sent: 'good', sending: 'warn', queued: 'warn', cancelled: 'bad', failed: 'bad' };

function StatusBadge(props: { status: string }) {
  return <span class={`badge ${STATUS_TONE[props.status] ?? ''}`}>{humanize(props.status)}</span>;
}

function whenText(when: When): string {
  if ('now' in when) return 'Now';
  if ('at' in when) return formatTime(when.at);
  return `${when.local_hour.date} at ${String(when.local_hour.hour).padStart(2, '0')}:00 in each contact's zone`;
}

const processed = (b: Broadcast) => b.audience - b.queued;

function Progress(props: { broadcast: Broadcast }) {
  const b = props.broadcast;
  return (
    <span class="progress">
      <progress max={Math.max(b.audience, 1)} value={processed(b)} aria-label={`Progress of ${b.name}`} />{' '}
      {formatCount(processed(b))} of {formatCount(b.audience)}
    </span>
  );
}

export function BroadcastsView(_props: ViewProps) {
  const { api, can } = useConsole();
  const broadcasts = useResource(() => api.get<{ broadcasts: Broadcast[]; files: string[] }>('/broadcasts'), []);
  return (
    <Page
      title="Broadcasts"
      actions={
        can('broadcasts:send') ? (
          <a class="button primary" href={href('/broadcasts/new')}>
            New broadcast
          </a>
        ) : null
      }
    >
      <Loaded resource={broadcasts} label="Loading broadcasts…">
        {(data) => (
          <>
            <Table
              caption="Broadcasts, newest first, with their status and progress"
              head={['Broadcast', 'Status', 'Progress', 'Sent', 'When', 'Template', 'Segment']}
              numeric={[3]}
              empty="No broadcast yet."
              rows={[...data.broadcasts].reverse().map((b) => [
                <>
                  <a href={href(`/broadcasts/${b.id}`)}>{b.name}</a>
                  <div class="muted">{b.id}</div>
                </>,
                <StatusBadge status={b.status} />,
                <Progress broadcast={b} />,
                formatCount(b.sent),
                whenText(b.when),
                <a href={href(`/templates/${b.template}`)}>{b.template}</a>,
                <a href={href(`/segments/${b.segment}`)}>{b.segment}</a>,
              ])}
            />
            {data.files.length ? (
              <p class="hint">
                Broadcast files in <code>content/broadcasts/</code>: {data.files.join(', ')}.
              </p>
            ) : null}
          </>
        )}
      </Loaded>
      <ExperimentsList />
    </Page>
  );
}

function ExperimentsList() {
  const { api } = useConsole();
  const experiments = useResource(() => api.get<{ experiments: ExperimentSummary[] }>('/experiments'), []);
  return (
    <Card title="Experiments" id="experiments">
      <Loaded resource={experiments} label="Loading experiments…">
        {(data) => (
          <Table
            caption="Experiments"
            head={['Experiment', 'Arms']}
            empty="No experiment file in content/experiments/."
            rows={data.experiments.map((experiment) => [
              <a href={href(`/experiments/${experiment.id}`)}>{experiment.name}</a>,
              experiment.arms.join(', '),
            ])}
          />
        )}
      </Loaded>
    </Card>
  );
}

const today = () => new Date().toISOString().slice(0, 10);

export function NewBroadcastView(_props: ViewProps) {
  const { api, can } = useConsole();
  const templates = useResource(() => listOfTemplates(api), []);
  const segments = useResource(() => api.get<{ segments: { id: string; name: string; size: number }[] }>('/segments'), []);
  const experiments = useResource(() => api.get<{ experiments: ExperimentSummary[] }>('/experiments'), []);
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [template, setTemplate] = useState('');
  const [segment, setSegment] = useState('');
  const [mode, setMode] = useState<'now' | 'at' | 'local_hour'>('now');
  const [at, setAt] = useState('');
  const [date, setDate] = useState(today());
  const [hour, setHour] = useState('10');
  const [timeZone, setTimeZone] = useState('');
  const [experiment, setExperiment] = useState('');
  const [busy, setBusy] = useState<'dry' | 'send' | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const [dryRun, setDryRun] = useState<DryRun | undefined>();

  if (!can('broadcasts:send')) {
    return (
      <Page title="New broadcast">
        <p>Your role may read broadcasts but not send them.</p>
      </Page>
    );
  }
  const definition = () => {
    const when: When = mode === 'now' ? { now: true } : mode === 'at' ? { at: at ? new Date(at).toISOString() : '' } : { local_hour: { date, hour: Number(hour) } };
    return {
      id: id.trim(),
      name: name.trim(),
      template,
      segment,
      when,
      ...(timeZone.trim() ? { time_zone: timeZone.trim() } : {}),
      ...(experiment ? { experiment } : {}),
    };
  };
  const submit = async (kind: 'dry' | 'send') => {
    setBusy(kind);
    setError(undefined);
    try {
      if (kind === 'dry') setDryRun(await api.post<DryRun>('/broadcasts', definition(), { dryRun: true }));
      else {
        const created = await api.post<Broadcast>('/broadcasts', definition());
        navigate(href(`/broadcasts/${created.id}`));
      }
    } catch (failure) {
      if (kind === 'dry') setDryRun(undefined);
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(undefined);
    }
  };
  const problems = error instanceof ApiError ? fieldErrorsOf(error) : [];
  const problemOf = (field: string) => problems.find((problem) => problem.field === field || problem.field.startsWith(`${field}.`))?.message;
  const FieldProblem = (props: { field: string }) => {
    const message = problemOf(props.field);
    return message ? (
      <span class="error" id={`problem-${props.field}`}>
        {message}
      </span>
    ) : null;
  };
  const describedBy = (field: string) => (problemOf(field) ? `problem-${field}` : undefined);

  return (
    <Page title="New broadcast">
      <form
        class="card broadcast-form"
        onSubmit={(event) => {
          event.preventDefault();
          void submit('send');
        }}
      >
        <div class="columns">
          <label class="field">
            <span>Id (lower-kebab-case, kept forever)</span>
            <input value={id} required pattern="[a-z0-9]+(-[a-z0-9]+)*" onInput={(event) => setId(event.currentTarget.value)} placeholder="newsletter-2026-12" autoComplete="off" aria-describedby={describedBy('id')} />
            <FieldProblem field="id" />
          </label>
          <label class="field">
            <span>Name</span>
            <input value={name} required onInput={(event) => setName(event.currentTarget.value)} placeholder="December newsletter" autoComplete="off" aria-describedby={describedBy('name')} />
            <FieldProblem field="name" />
          </label>
          <label class="field">
            <span>Template</span>
            {templates.error ? (
              // Without the templates list, the id as the file names it (content/emails/<id>/).
              <input id="template" value={template} required onInput={(event) => setTemplate(event.currentTarget.value)} placeholder="monthly-newsletter" autoComplete="off" aria-describedby={describedBy('template')} />
            ) : (
              <select id="template" value={template} required disabled={!templates.data} onChange={(event) => setTemplate(event.currentTarget.value)} aria-describedby={describedBy('template')}>
                <option value="">{templates.data ? 'Choose a template…' : 'Loading templates…'}</option>
                {(templates.data ?? []).map((t) => (
                  <option value={t.templateId}>
                    {t.templateId} — {t.subject}
                  </option>
                ))}
              </select>
            )}
            <FieldProblem field="template" />
          </label>
          <label class="field">
            <span>Segment (the audience)</span>
            <select value={segment} required onChange={(event) => setSegment(event.currentTarget.value)} aria-describedby={describedBy('segment')}>
              <option value="">Choose a segment…</option>
              {(segments.data?.segments ?? []).map((s) => (
                <option value={s.id}>
                  {s.name} ({formatCount(s.size)})
                </option>
              ))}
            </select>
            <FieldProblem field="segment" />
          </label>
        </div>
        <fieldset>
          <legend>When</legend>
          <label class="choice">
            <input type="radio" name="when" checked={mode === 'now'} onChange={() => setMode('now')} /> Now
          </label>
          <label class="choice">
            <input type="radio" name="when" checked={mode === 'at'} onChange={() => setMode('at')} /> At a time
          </label>
          <label class="choice">
            <input type="radio" name="when" checked={mode === 'local_hour'} onChange={() => setMode('local_hour')} /> At a local hour in each contact's time zone
          </label>
          {mode === 'at' ? (
            <label class="field">
              <span>Time (yours)</span>
              <input type="datetime-local" value={at} required onInput={(event) => setAt(event.currentTarget.value)} />
            </label>
          ) : null}
          {mode === 'local_hour' ? (
            <div class="inline-fields">
              <label class="field">
                <span>Date</span>
                <input type="date" value={date} required onInput={(event) => setDate(event.currentTarget.value)} />
              </label>
              <label class="field">
                <span>Hour (08–20, the send window)</span>
                <input type="number" min={8} max={20} value={hour} required onInput={(event) => setHour(event.currentTarget.value)} />
              </label>
              <label class="field">
                <span>Zone for contacts without one (optional)</span>
                <input value={timeZone} onInput={(event) => setTimeZone(event.currentTarget.value)} placeholder="Europe/London" autoComplete="off" />
              </label>
            </div>
          ) : null}
          <FieldProblem field="when" />
        </fieldset>
        <label class="field">
          <span>A/B experiment (optional: its arms are the variants)</span>
          <select value={experiment} onChange={(event) => setExperiment(event.currentTarget.value)} aria-describedby={describedBy('experiment')}>
            <option value="">No experiment</option>
            {(experiments.data?.experiments ?? []).map((x) => (
              <option value={x.id}>
                {x.name} ({x.arms.join(' / ')})
              </option>
            ))}
          </select>
          <FieldProblem field="experiment" />
        </label>
        <div class="page-actions">
          <button type="button" disabled={Boolean(busy)} onClick={() => void submit('dry')}>
            {busy === 'dry' ? 'Checking…' : 'Dry run'}
          </button>
          <button type="submit" class="primary" disabled={Boolean(busy)}>
            {busy === 'send' ? 'Sending…' : 'Send'}
          </button>
        </div>
        <ErrorNote error={error} />
        {problems.length ? (
          <ul class="error-list">
            {problems.map((problem) => (
              <li>
                <code>{problem.field}</code>: {problem.message}
              </li>
            ))}
          </ul>
        ) : null}
      </form>
      {dryRun ? <DryRunResult dryRun={dryRun} /> : null}
    </Page>
  );
}

function SkippedTable(props: { skipped: Readonly<Record<string, number>>; caption: string }) {
  const entries = Object.entries(props.skipped);
  if (!entries.length) return <p class="muted">Nobody skipped.</p>;
  return <Table caption={props.caption} head={['Reason', 'Contacts']} numeric={[1]} rows={entries.map(([reason, n]) => [humanize(reason), formatCount(n)])} />;
}

function DryRunResult(props: { dryRun: DryRun }) {
  const d = props.dryRun;
  return (
    <Card title="Dry run" id="dry-run">
      <p class="hint">Nothing was written or sent. The guards decided as they would now.</p>
      <dl class="facts">
        <dt>Audience</dt>
        <dd>{formatCount(d.audience)} members</dd>
        <dt>Would be sent now</dt>
        <dd>{formatCount(d.eligible)}</dd>
        <dt>Later (their hour or window)</dt>
        <dd>{formatCount(d.later)}</dd>
        {d.startsAt ? (
          <>
            <dt>Starts</dt>
            <dd>{formatTime(d.startsAt)}</dd>
          </>
        ) : null}
        {d.evaluated < d.audience ? (
          <>
            <dt>Judged</dt>
            <dd>the first {formatCount(d.evaluated)} members</dd>
          </>
        ) : null}
      </dl>
      <h3>Skipped, and why</h3>
      <SkippedTable skipped={d.skipped} caption="Members the dry run would skip, by reason" />
      {d.experiment?.arms ? (
        <>
          <h3>Experiment split</h3>
          <Table
            caption="Members per experiment arm"
            head={['Group', 'Contacts']}
            numeric={[1]}
            rows={[
              ...Object.entries(d.experiment.arms).map(([arm, n]) => [arm, formatCount(n)]),
              ...(d.experiment.holdout !== undefined ? [['Holdout', formatCount(d.experiment.holdout)]] : []),
              ...(d.experiment.rest !== undefined ? [['Rest (after the test)', formatCount(d.experiment.rest)]] : []),
            ]}
          />
        </>
      ) : null}
      {d.sample ? (
        <>
          <h3>Sample rendering</h3>
          <p>
            For <a href={href(`/contacts/${d.sample.contactId}`)}>the first eligible member</a>; links are placeholders.
          </p>
          <EmailPreview subject={d.sample.subject} html={d.sample.html} text={d.sample.text} />
        </>
      ) : (
        <p class="muted">No member is eligible, so there is no sample.</p>
      )}
    </Card>
  );
}

/** `GET /broadcasts/{id}` now, then every 2 s while it runs (each poll chained on the previous answer). */
function usePolledBroadcast(id: string) {
  const { api } = useConsole();
  const [broadcast, setBroadcast] = useState<Broadcast | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await api.get<Broadcast>(`/broadcasts/${encodeURIComponent(id)}`);
        if (stopped) return;
        setBroadcast(next);
        setError(undefined);
        if (RUNNING.has(next.status)) timer = setTimeout(poll, 2000);
      } catch (failure) {
        if (!stopped) setError(failure instanceof Error ? failure : new Error(String(failure)));
      }
    };
    void poll();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [id, generation]);
  return { broadcast, error, reload: () => setGeneration((n) => n + 1) };
}

export function BroadcastView(props: ViewProps) {
  const { api, can } = useConsole();
  const id = props.params.broadcastId!;
  const { broadcast: b, error, reload } = usePolledBroadcast(id);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<Error | undefined>();
  const cancel = async () => {
    setBusy(true);
    setActionError(undefined);
    try {
      await api.post(`/broadcasts/${encodeURIComponent(id)}/cancel`);
      setConfirming(false);
      reload();
    } catch (failure) {
      setConfirming(false);
      setActionError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(false);
    }
  };
  if (!b) return <Page title={id}>{error ? <ErrorNote error={error} /> : <p class="loading" role="status">Loading the broadcast…</p>}</Page>;
  const running = RUNNING.has(b.status);
  return (
    <Page
      title={b.name}
      actions={
        can('broadcasts:send') && running ? (
          <button type="button" class="danger" onClick={() => setConfirming(true)}>
            Cancel broadcast
          </button>
        ) : null
      }
    >
      <ErrorNote error={error ?? actionError} />
      <Card title="Progress" id="progress">
        <p role="status" aria-live="polite">
          <StatusBadge status={b.status} /> {running ? '(updates every 2 seconds)' : ''}
        </p>
        <Progress broadcast={b} />
        <dl class="facts">
          <dt>Audience</dt>
          <dd>{formatCount(b.audience)}</dd>
          <dt>Sent</dt>
          <dd data-testid="sent">{formatCount(b.sent)}</dd>
          <dt>Not yet processed</dt>
          <dd>{formatCount(b.queued)}</dd>
          <dt>Failed</dt>
          <dd>{formatCount(b.failed)}</dd>
          <dt>When</dt>
          <dd>{whenText(b.when)}</dd>
          <dt>Template</dt>
          <dd>
            <a href={href(`/templates/${b.template}`)}>{b.template}</a>
          </dd>
          <dt>Segment</dt>
          <dd>
            <a href={href(`/segments/${b.segment}`)}>{b.segment}</a>
          </dd>
          <dt>Created</dt>
          <dd>{formatTime(b.createdAt)}</dd>
          {b.finishedAt ? (
            <>
              <dt>Finished</dt>
              <dd>{formatTime(b.finishedAt)}</dd>
            </>
          ) : null}
        </dl>
        <h3>Skipped, and why</h3>
        <SkippedTable skipped={b.skipped} caption="Members skipped, by reason" />
      </Card>
      {b.experiment ? <BroadcastExperiment broadcast={b} onPicked={reload} /> : null}
      <ConfirmDialog open={confirming} title="Cancel this broadcast?" action="Cancel broadcast" danger busy={busy} onConfirm={() => void cancel()} onCancel={() => setConfirming(false)}>
        <p>Members not yet sent to get nothing. Emails already sent stay sent, and their counts stay.</p>
      </ConfirmDialog>
    </Page>
  );
}

function BroadcastExperiment(props: { broadcast: Broadcast; onPicked: () => void }) {
  const { api, can } = useConsole();
  const b = props.broadcast;
  const experiment = useResource(() => api.get<ExperimentReport>(`/experiments/${encodeURIComponent(b.experiment!)}`), [b.experiment]);
  const [arm, setArm] = useState('');
  const [error, setError] = useState<Error | undefined>();
  const pick = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      await api.post(`/broadcasts/${encodeURIComponent(b.id)}/winner`, { arm });
      props.onPicked();
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    }
  };
  return (
    <Card title="Experiment" id="experiment">
      <p>
        <a href={href(`/experiments/${b.experiment}`)}>Results of {b.experiment}</a>
        {experiment.data ? (
          <>
            {' '}
            — decision: <Decision decision={experiment.data.decision} />
          </>
        ) : null}
      </p>
      {b.rollout ? (
        <p>
          The rest of the audience got <strong>{b.rollout.arm}</strong> ({humanize(b.rollout.decision)}, {formatTime(b.rollout.at)}): {b.rollout.why}
        </p>
      ) : b.picked ? (
        <p>
          Picked by hand: <strong>{b.picked}</strong>.
        </p>
      ) : null}
      {can('broadcasts:send') && !b.rollout && RUNNING.has(b.status) && experiment.data ? (
        <form class="inline-fields" onSubmit={pick}>
          <label class="field">
            <span>Winner for the rest of the audience</span>
            <select value={arm} required onChange={(event) => setArm(event.currentTarget.value)}>
              <option value="">Choose an arm…</option>
              {experiment.data.arms.map((a) => (
                <option value={a.arm}>{a.arm}</option>
              ))}
            </select>
          </label>
          <button type="submit" class="field-button">
            Pick winner
          </button>
        </form>
      ) : null}
      <ErrorNote error={error} />
    </Card>
  );
}

function Decision(props: { decision: ExperimentReport['decision'] }) {
  const tone = props.decision.status === 'winner' || props.decision.status === 'manual' ? 'good' : props.decision.status === 'no_difference' ? 'bad' : 'warn';
  return (
    <span class={`badge ${tone}`}>
      {humanize(props.decision.status)}
      {props.decision.arm ? `: ${props.decision.arm}` : ''}
    </span>
  );
}

const interval = (i: { low: number; high: number }) => `${formatRate(i.low)} – ${formatRate(i.high)}`;

export function ExperimentView(props: ViewProps) {
  const { api } = useConsole();
  const id = props.params.experimentId!;
  const report = useResource(() => api.get<ExperimentReport>(`/experiments/${encodeURIComponent(id)}`), [id]);
  return (
    <Page title={report.data?.name ?? id}>
      <Loaded resource={report} label="Loading the experiment…">
        {(x) => {
          const metric = typeof x.metric === 'string' ? humanize(x.metric) : `${x.metric.event}${x.metric.within ? ` within ${Math.round(x.metric.within / 86400)} days` : ''}`;
          const goal = typeof x.metric !== 'string';
          return (
            <>
              <Card title="Decision" id="decision">
                <p>
                  <Decision decision={x.decision} />
                </p>
                <p>{x.decision.why}</p>
                {x.hypothesis ? (
                  <p>
                    <strong>Hypothesis:</strong> {x.hypothesis}
                  </p>
                ) : null}
                <dl class="facts">
                  <dt>Metric</dt>
                  <dd>{metric}</dd>
                  <dt>Planned sample</dt>
                  <dd>{formatCount(x.plan.perArm)} sends per arm</dd>
                </dl>
                <p class="hint">{x.method}</p>
              </Card>
              <Card title="Arms" id="arms">
                <Table
                  caption="Results per arm"
                  head={['Arm', 'Sends', goal ? 'Conversions' : 'Human clicks', 'Rate', '95% interval', 'Probability to be best', 'Lift over holdout']}
                  numeric={[1, 2, 3, 5]}
                  rows={x.arms.map((a) => [
                    a.arm,
                    formatCount(a.sends),
                    formatCount(goal ? a.conversions : a.humanClicks),
                    formatRate(a.rate),
                    interval(a.interval),
                    formatRate(a.probabilityToBeBest),
                    a.liftOverHoldout ? formatRate(a.liftOverHoldout.absolute) : (a.liftWhyNot ?? '–'),
                  ])}
                />
                {x.holdout ? (
                  <p>
                    Holdout: {formatRate(x.holdout.share)} of contacts, {formatCount(x.holdout.contacts)} so far, rate {formatRate(x.holdout.rate)}.
                  </p>
                ) : null}
              </Card>
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}
