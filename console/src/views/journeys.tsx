import { useMemo, useState } from 'preact/hooks';
import { ApiError, useResource } from '../api';
import type { ViewProps } from '../app';
import { MermaidDiagram } from '../components/mermaid-diagram';
import { Card, ErrorNote, Loaded, Page, Table } from '../components/page';
import { useConsole } from '../context';
import { formatCount, formatDay, formatTime, humanize } from '../format';
import { href } from '../router';
import { fieldErrorsOf } from './segments';

interface JourneySummary {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly topic?: string;
  readonly triggers: readonly string[];
  readonly steps: readonly { id: string; type: string }[];
  readonly active: number;
  /** The live version: new entries start on it. */
  readonly version?: string;
  readonly onChange: { readonly policy: 'keep' | 'migrate' | 'drain'; readonly map: Readonly<Record<string, string>> };
}

/** One version of the journey with what it did over the range and the contacts on it now. */
interface JourneyVersion {
  readonly version: string;
  readonly live: boolean;
  readonly running: number;
  readonly entered: number;
  readonly completed: number;
  readonly failed: number;
  readonly exited: number;
  readonly exitedBy: Readonly<Record<string, number>>;
  readonly migratedIn: number;
  readonly migratedOut: number;
}

interface JourneyStep {
  readonly id: string;
  readonly type: string;
  readonly active: number;
  /** Email steps: what the step's template did (sends, human clicks, unsubscribes). */
  readonly email?: { readonly templateId: string; readonly sent: number; readonly humanClicks: number; readonly unsubscribes: number };
}

interface JourneyDetail extends Omit<JourneySummary, 'steps'> {
  readonly steps: readonly JourneyStep[];
  readonly activeAtStart: number;
  readonly mermaid: string;
  /** The range the email and version numbers cover. */
  readonly emailStats?: { readonly from: string; readonly to: string };
  readonly versions?: readonly JourneyVersion[];
}

/** One state the simulated contact passes through, with what happens there. */
interface SimulatedState {
  readonly at: string;
  readonly offsetSeconds: number;
  readonly state: string;
  /** The journey step the state belongs to; absent for the compiler's own states. */
  readonly stepId?: string;
  readonly kind: string;
  readonly note?: string;
  readonly email?: { readonly templateId: string; readonly subject: string; readonly costUsd: number };
  readonly skippedEmail?: { readonly templateId: string; readonly reason: string };
  readonly branch?: { readonly reason: string };
  readonly handOff?: { readonly reason?: string };
}

/** What the journey simulator computes for one contact (`POST /journeys/{id}/simulations`). */
interface Simulation {
  readonly journeyId: string;
  readonly startedAt: string;
  readonly status: string;
  readonly exit?: { readonly reason: string; readonly detail: string; readonly at: string };
  readonly path: readonly SimulatedState[];
  readonly emails: readonly { at: string; stepId: string; templateId: string; subject: string; costUsd: number }[];
  readonly handOffs: readonly { at: string; stepId: string }[];
  readonly cost?: { readonly sesUsd: number; readonly pricedOn?: string };
  readonly notes?: readonly string[];
}

const nodeOf = (stepId: string) => stepId.replace(/-/g, '_');
const cost = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD', maximumSignificantDigits: 3 });

/** The API's Mermaid with each step's count added to its label and the simulated path, if any, highlighted. */
export function annotatedDiagram(source: string, steps: readonly JourneyStep[], path: readonly string[] = []): string {
  const counts = new Map(steps.map((step) => [nodeOf(step.id), step.active]));
  const lines = source.split('\n').map((line) => {
    const node = /^(\s*)([A-Za-z0-9_]+)(\(\[|\[\/|\[|\{)"([^"]*)"/.exec(line);
    if (!node || line.includes('-->')) return line;
    const count = counts.get(node[2]!);
    if (count === undefined) return line;
    return line.replace(`"${node[4]}"`, `"${node[4]}<br/>${formatCount(count)} here now"`);
  });
  const onPath = [...new Set(path.map(nodeOf))].filter((node) => counts.has(node));
  if (onPath.length) lines.push('  classDef onpath fill:#fde8c8,stroke:#8a4b00,stroke-width:3px', `  class ${onPath.join(',')} onpath`);
  return lines.join('\n');
}

export function JourneysView(_props: ViewProps) {
  const { api } = useConsole();
  const journeys = useResource(() => api.get<{ journeys: JourneySummary[] }>('/journeys'), []);
  return (
    <Page title="Journeys">
      <Loaded resource={journeys} label="Loading journeys…">
        {({ journeys: list }) => (
          <Table
            caption="Journeys with the contacts in each now"
            head={['Journey', 'Triggers', 'Steps', 'Contacts in it now']}
            numeric={[2, 3]}
            empty="No journey is shipped: add a file under statemachines/."
            rows={list.map((journey) => [
              <>
                <a href={href(`/journeys/${journey.id}`)}>{journey.name}</a>
                <div class="muted">{journey.id}</div>
              </>,
              journey.triggers.map(humanize).join(', '),
              formatCount(journey.steps.length),
              formatCount(journey.active),
            ])}
          />
        )}
      </Loaded>
    </Page>
  );
}

export function JourneyView(props: ViewProps) {
  const { api } = useConsole();
  const id = props.params.journeyId!;
  const journey = useResource(() => api.get<JourneyDetail>(`/journeys/${encodeURIComponent(id)}`), [id]);
  const [simulation, setSimulation] = useState<Simulation | undefined>();
  return (
    <Page title={journey.data?.name ?? id}>
      <Loaded resource={journey} label="Loading the journey…">
        {(data) => (
          <>
            {data.description ? <p>{data.description}</p> : null}
            <Card title="Diagram" id="diagram">
              <p class="hint">
                Each step shows the contacts in it now{simulation ? '; the simulated path is highlighted' : ''}. {formatCount(data.active)} contacts
                are in this journey, {formatCount(data.activeAtStart)} of them at its start.
              </p>
              <JourneyDiagram data={data} path={simulation?.path.flatMap((entry) => (entry.stepId ? [entry.stepId] : []))} />
            </Card>
            <Card title="Steps" id="steps">
              <Table
                caption="Steps with the contacts in each now and what each email did"
                head={['Step', 'Type', 'Here now', 'Sent', 'Human clicks', 'Unsubscribes']}
                numeric={[2, 3, 4, 5]}
                rows={data.steps.map((step) => [
                  <code>{step.id}</code>,
                  step.email ? (
                    <>
                      Email <a href={href(`/templates/${step.email.templateId}`)}>{step.email.templateId}</a>
                    </>
                  ) : (
                    humanize(step.type)
                  ),
                  formatCount(step.active),
                  step.email ? formatCount(step.email.sent) : '',
                  step.email ? formatCount(step.email.humanClicks) : '',
                  step.email ? formatCount(step.email.unsubscribes) : '',
                ])}
              />
            </Card>
            <JourneyVersions data={data} />
            <SimulateContact journeyId={id} simulation={simulation} onSimulated={setSimulation} />
          </>
        )}
      </Loaded>
    </Page>
  );
}

/** What a change of the journey's file does to the contacts inside, in words. */
function changePolicy(onChange: JourneySummary['onChange']): string {
  const mapped = Object.entries(onChange.map).map(([from, to]) => `those at ${from} (a step that is gone) go to ${to}`);
  switch (onChange.policy) {
    case 'keep':
      return 'they finish on the version they entered';
    case 'migrate':
      return `each waiting contact moves to the same step of the new version with what is left of its wait${mapped.length ? `; ${mapped.join('; ')}` : ''}`;
    case 'drain':
      return 'they leave the journey (exit reason "drained")';
  }
}

/** The live version, what a change does to the contacts inside, and each version's numbers. */
function JourneyVersions(props: { data: JourneyDetail }) {
  const { data } = props;
  const range = data.emailStats ? ` from ${formatDay(data.emailStats.from)} to ${formatDay(data.emailStats.to)}` : '';
  return (
    <Card title="Versions" id="versions">
      <p class="hint">
        {data.version ? (
          <>
            Live version <code>{data.version}</code>: new entries start on it.
          </>
        ) : (
          'This journey has no version yet.'
        )}{' '}
        When its file changes, for the contacts inside {changePolicy(data.onChange)}.
      </p>
      {data.versions ? (
        <Table
          caption={`Versions with the contacts on each now and what each did${range}`}
          head={['Version', 'On it now', 'Entered', 'Completed', 'Failed', 'Exited', 'Moved in', 'Moved out']}
          numeric={[1, 2, 3, 4, 5, 6, 7]}
          rows={data.versions.map((v) => [
            <>
              <code>{v.version}</code>
              {v.live ? ' (live)' : ''}
            </>,
            formatCount(v.running),
            formatCount(v.entered),
            formatCount(v.completed),
            formatCount(v.failed),
            <>
              {formatCount(v.exited)}
              {v.exited ? <div class="muted">{Object.entries(v.exitedBy).map(([reason, n]) => `${reason} ${formatCount(n)}`).join(', ')}</div> : null}
            </>,
            formatCount(v.migratedIn),
            formatCount(v.migratedOut),
          ])}
        />
      ) : null}
    </Card>
  );
}

function JourneyDiagram(props: { data: JourneyDetail; path?: readonly string[] }) {
  const source = useMemo(() => annotatedDiagram(props.data.mermaid, props.data.steps, props.path), [props.data, props.path?.join()]);
  return <MermaidDiagram source={source} label={`Flowchart of the ${props.data.name} journey`} />;
}

interface AttributeRow {
  readonly key: number;
  name: string;
  value: string;
}

let rowKeys = 0;
const typed = (value: string): string | number | boolean =>
  value === 'true' ? true : value === 'false' ? false : value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;

/** "Simulate a contact": the path the simulator computes for the attributes and events given (nothing is sent). */
function SimulateContact(props: { journeyId: string; simulation: Simulation | undefined; onSimulated: (simulation: Simulation | undefined) => void }) {
  const { api } = useConsole();
  const [rows, setRows] = useState<AttributeRow[]>([{ key: ++rowKeys, name: 'budget', value: '2000' }]);
  const [stage, setStage] = useState('');
  const [events, setEvents] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const update = (key: number, change: Partial<AttributeRow>) => setRows(rows.map((row) => (row.key === key ? { ...row, ...change } : row)));
  const run = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    let parsedEvents: unknown;
    if (events.trim()) {
      try {
        parsedEvents = JSON.parse(events);
      } catch {
        setError(new Error('Events must be a JSON list, e.g. [{"at":"+2d","type":"email.clicked","data":{"templateId":"nurture-1"}}].'));
        return;
      }
    }
    const attributes = Object.fromEntries(rows.filter((row) => row.name.trim()).map((row) => [row.name.trim(), typed(row.value)]));
    setBusy(true);
    try {
      const body = { contact: { attributes, ...(stage.trim() ? { stage: stage.trim() } : {}) }, ...(parsedEvents === undefined ? {} : { events: parsedEvents }) };
      props.onSimulated(await api.post<Simulation>(`/journeys/${encodeURIComponent(props.journeyId)}/simulations`, body));
    } catch (failure) {
      props.onSimulated(undefined);
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(false);
    }
  };
  const result = props.simulation;
  return (
    <Card title="Simulate a contact" id="simulate">
      <p class="hint">Runs the journey for an imaginary contact on a virtual clock: waits take no time, and nothing is sent or written.</p>
      <form onSubmit={run}>
        <fieldset>
          <legend>Attributes</legend>
          {rows.map((row, index) => (
            <div class="inline-fields attribute-row">
              <label class="field">
                <span>Attribute {index + 1} name</span>
                <input value={row.name} onInput={(event) => update(row.key, { name: event.currentTarget.value })} autoComplete="off" />
              </label>
              <label class="field">
                <span>Attribute {index + 1} value</span>
                <input value={row.value} onInput={(event) => update(row.key, { value: event.currentTarget.value })} autoComplete="off" />
              </label>
              <button type="button" class="field-button" onClick={() => setRows(rows.filter((other) => other.key !== row.key))} aria-label={`Remove attribute ${index + 1}`}>
                Remove
              </button>
            </div>
          ))}
          <button type="button" onClick={() => setRows([...rows, { key: ++rowKeys, name: '', value: '' }])}>
            Add an attribute
          </button>
        </fieldset>
        <label class="field">
          <span>Stage (optional)</span>
          <input value={stage} onInput={(event) => setStage(event.currentTarget.value)} placeholder="lead" autoComplete="off" />
        </label>
        <label class="field">
          <span>Events (optional JSON list)</span>
          <textarea
            class="code"
            rows={3}
            value={events}
            onInput={(event) => setEvents(event.currentTarget.value)}
            placeholder={'[{"at":"+4d","type":"email.clicked","data":{"templateId":"nurture-2"}}]'}
            spellcheck={false}
          />
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Simulating…' : 'Simulate'}
        </button>
      </form>
      <ErrorNote error={error} />
      {error instanceof ApiError ? (
        <ul class="error-list">
          {fieldErrorsOf(error).map((problem) => (
            <li>
              <code>{problem.field}</code>: {problem.message}
            </li>
          ))}
        </ul>
      ) : null}
      {result ? <SimulationPath simulation={result} /> : null}
    </Card>
  );
}

const sinceStart = (seconds: number) =>
  seconds === 0 ? '+0' : seconds % 86_400 === 0 ? `+${seconds / 86_400}d` : seconds % 3_600 === 0 ? `+${seconds / 3_600}h` : `+${Math.round(seconds / 60)}m`;

function SimulationPath(props: { simulation: Simulation }) {
  const { simulation } = props;
  // The compiler's own states (`nurture-1.deferred?`) say nothing a person needs, unless they carry a note.
  const shown = simulation.path.filter((entry) => entry.stepId || entry.note);
  return (
    <div aria-live="polite" class="simulation">
      <h3>Path</h3>
      <p>
        Simulated from {formatTime(simulation.startedAt)}: <strong>{humanize(simulation.status)}</strong>
        {simulation.exit ? ` (${simulation.exit.reason}: ${simulation.exit.detail})` : ''}.
      </p>
      <ol class="simulation-path">
        {shown.map((entry) => (
          <li>
            <span class="muted">
              {formatTime(entry.at)} ({sinceStart(entry.offsetSeconds)})
            </span>{' '}
            <code>{entry.stepId ?? entry.state}</code> — {whatHappens(entry)}
            {entry.email ? (
              <>
                : <a href={href(`/templates/${entry.email.templateId}`)}>{entry.email.templateId}</a> “{entry.email.subject}”, {cost.format(entry.email.costUsd)}
              </>
            ) : null}
          </li>
        ))}
      </ol>
      <p>
        {simulation.emails.length
          ? `${simulation.emails.length} emails would be sent (${simulation.emails.map((email) => email.templateId).join(', ')})${simulation.cost ? `, costing about ${cost.format(simulation.cost.sesUsd)} in SES` : ''}.`
          : 'No email would be sent.'}
        {simulation.handOffs.length ? ` Hand-offs to sales: ${simulation.handOffs.length}.` : ''}
      </p>
      {simulation.notes?.length ? (
        <ul>
          {simulation.notes.map((note) => (
            <li>{note}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function whatHappens(entry: SimulatedState): string {
  if (entry.email) return 'sends an email';
  if (entry.skippedEmail) return `skips ${entry.skippedEmail.templateId} (${humanize(entry.skippedEmail.reason)})`;
  if (entry.branch) return entry.branch.reason;
  if (entry.handOff) return `hands off to sales${entry.handOff.reason ? ` (${entry.handOff.reason})` : ''}`;
  return entry.note ?? humanize(entry.kind);
}
