import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { ViewProps } from '../app';
import { useResource, type Resource } from '../api';
import { ConfirmDialog } from '../components/confirm';
import { leaveNotice } from '../components/contact-notice';
import { saveFile } from '../components/save-file';
import { Card, ErrorNote, Loaded, Page, Table } from '../components/page';
import { Timeline } from '../components/timeline';
import { useConsole } from '../context';
import { formatCount, formatTime, humanize } from '../format';
import { href, navigate } from '../router';
import { displayName, type ContactSummary } from './contacts';

/** `GET /contacts/{id}/overview`: everything the page shows besides the timeline and the score. */
interface Overview {
  readonly contact: ContactSummary & {
    readonly firstTouch?: { readonly utm?: Readonly<Record<string, string>>; readonly formId?: string; readonly at?: string };
    readonly suppressed?: { readonly reason: string; readonly at: string };
    readonly emailRole?: boolean;
  };
  readonly consent: readonly { readonly topic: string; readonly status: string; readonly basis?: string; readonly source?: string; readonly at?: string }[];
  readonly stage: { readonly id: string; readonly since?: string };
  readonly journeys: readonly { readonly journeyId: string; readonly status: string; readonly step?: string; readonly enteredAt: string; readonly endedAt?: string; readonly reason?: string }[];
  readonly segments: readonly { readonly segmentId: string; readonly since: string }[];
  readonly sends: readonly {
    readonly messageId?: string;
    readonly templateId: string;
    readonly subject?: string;
    readonly journeyId?: string;
    readonly stepId?: string;
    readonly broadcastId?: string;
    readonly sentAt: string;
    readonly status: string;
    readonly opens: number;
    readonly clicks: number;
    readonly humanClicks: number;
  }[];
  readonly crm: { readonly provider: string; readonly crmId: string; readonly url?: string } | null;
}

/** `GET /contacts/{id}/score`: the score now, and why. */
interface ScoreExplanation {
  readonly stage: { readonly id: string; readonly label?: string; readonly since?: string };
  readonly score: { readonly total: number; readonly fit: number; readonly behaviour: number; readonly asOf: string };
  readonly contributions: readonly { readonly kind: string; readonly ruleId: string; readonly label?: string; readonly points: number; readonly earned?: number; readonly at?: string }[];
}

interface JourneySummary {
  readonly id: string;
  readonly name: string;
  readonly triggers: readonly string[];
}

interface EnrolAnswer {
  readonly results: readonly { readonly result: string; readonly contactId?: string; readonly reason?: string }[];
}

interface EraseAnswer {
  readonly contactId: string;
  readonly status: string;
  readonly journeysStopped?: number;
  readonly itemsDeleted?: number;
  readonly erasedBy?: string;
  readonly crm?: { readonly provider: string; readonly crmId: string; readonly deleted?: boolean };
}

type Pending = { kind: 'unsubscribe'; topic: string } | { kind: 'erase' };

export function ContactView(props: ViewProps) {
  const { api, can } = useConsole();
  const contactId = props.params.contactId!;
  const overview = useResource(() => api.get<Overview>(`/contacts/${encodeURIComponent(contactId)}/overview`), [contactId]);
  const score = useResource(() => api.get<ScoreExplanation>(`/contacts/${encodeURIComponent(contactId)}/score`), [contactId]);
  const [timelineGeneration, setTimelineGeneration] = useState(0);
  const [pending, setPending] = useState<Pending>();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<Error>();
  const [message, setMessage] = useState<string>();

  const title = overview.data ? displayName(overview.data.contact) : 'Contact';
  const refresh = () => {
    overview.reload();
    score.reload();
    setTimelineGeneration((n) => n + 1);
  };

  const confirm = async () => {
    if (!pending) return;
    setBusy(true);
    setActionError(undefined);
    try {
      if (pending.kind === 'unsubscribe') {
        const answer = await api.post<{ topic: string; changed: boolean }>(`/contacts/${encodeURIComponent(contactId)}/unsubscribe`, { topic: pending.topic });
        setMessage(answer.changed ? `Unsubscribed from ${answer.topic}.` : `Already unsubscribed from ${answer.topic}: nothing changed.`);
        setPending(undefined);
        refresh();
      } else {
        const answer = await api.delete<EraseAnswer>(`/contacts/${encodeURIComponent(contactId)}`);
        leaveNotice(eraseNotice(title, answer));
        setPending(undefined);
        navigate(href('/contacts'));
      }
    } catch (error) {
      setActionError(error as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page
      title={title}
      actions={
        overview.data ? (
          <>
            {can('contacts:read') ? <ExportButton contactId={contactId} /> : null}
            {can('contacts:erase') ? (
              <button type="button" class="danger" onClick={() => (setTyped(''), setActionError(undefined), setPending({ kind: 'erase' }))}>
                Erase…
              </button>
            ) : null}
          </>
        ) : null
      }
    >
      <p>
        <a href={href('/contacts')}>← Contacts</a>
      </p>
      {message ? (
        <p class="success" role="status">
          {message}
        </p>
      ) : null}
      <Loaded resource={overview} label="Loading the contact…">
        {(data) => (
          <>
            <div class="columns">
              <Profile data={data} />
              <StageAndScore overview={data} score={score} />
            </div>
            <Consent consent={data.consent} canUnsubscribe={can('contacts:write')} onUnsubscribe={(topic) => (setActionError(undefined), setPending({ kind: 'unsubscribe', topic }))} />
            <Card title="Journeys" id="journeys">
              <Table
                caption="Journeys of this contact"
                head={['Journey', 'Status', 'Current step', 'Entered', 'Ended']}
                empty="In no journey yet."
                rows={data.journeys.map((journey) => [
                  <a href={href(`/journeys/${journey.journeyId}`)}>{journey.journeyId}</a>,
                  humanize(journey.status) + (journey.reason ? ` (${journey.reason})` : ''),
                  journey.step ?? '–',
                  <Time iso={journey.enteredAt} />,
                  journey.endedAt ? <Time iso={journey.endedAt} /> : '–',
                ])}
              />
              {can('journeys:enroll') ? <Enrol contactId={contactId} onEnrolled={refresh} /> : null}
            </Card>
            <div class="columns">
              <Card title="Segments" id="segments">
                {data.segments.length ? (
                  <ul>
                    {data.segments.map((segment) => (
                      <li>
                        <a href={href(`/segments/${segment.segmentId}`)}>{segment.segmentId}</a> <span class="muted">since <Time iso={segment.since} /></span>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p class="empty">In no segment.</p>
                )}
              </Card>
              <Card title="CRM" id="crm">
                {data.crm ? (
                  <p>
                    {humanize(data.crm.provider)} record{' '}
                    {data.crm.url ? (
                      <a href={data.crm.url} target="_blank" rel="noopener noreferrer">
                        {data.crm.crmId}
                      </a>
                    ) : (
                      <code>{data.crm.crmId}</code>
                    )}
                  </p>
                ) : (
                  <p class="empty">Not handed to a CRM.</p>
                )}
              </Card>
            </div>
            <Card title="Emails sent" id="sends">
              <Table
                caption="Emails sent to this contact, newest first"
                head={['Sent', 'Template', 'From', 'Status', 'Opens', 'Clicks (human)']}
                numeric={[4, 5]}
                empty="No email sent yet."
                rows={data.sends.map((send) => [
                  <Time iso={send.sentAt} />,
                  send.subject ? (
                    <>
                      {send.subject} <span class="muted">({send.templateId})</span>
                    </>
                  ) : (
                    send.templateId
                  ),
                  send.journeyId ? (
                    <a href={href(`/journeys/${send.journeyId}`)}>
                      {send.journeyId}
                      {send.stepId ? ` / ${send.stepId}` : ''}
                    </a>
                  ) : send.broadcastId ? (
                    <a href={href(`/broadcasts/${send.broadcastId}`)}>{send.broadcastId}</a>
                  ) : (
                    '–'
                  ),
                  humanize(send.status),
                  formatCount(send.opens),
                  `${formatCount(send.clicks)} (${formatCount(send.humanClicks)})`,
                ])}
              />
            </Card>
          </>
        )}
      </Loaded>
      {overview.data ? (
        <Card title="Timeline" id="timeline">
          <Timeline key={`${contactId}-${timelineGeneration}`} contactId={contactId} />
        </Card>
      ) : null}
      <ConfirmDialog
        open={pending !== undefined}
        title={pending?.kind === 'erase' ? `Erase ${title}?` : `Unsubscribe from ${pending?.kind === 'unsubscribe' ? pending.topic : ''}?`}
        action={pending?.kind === 'erase' ? 'Erase for good' : 'Unsubscribe'}
        danger={pending?.kind === 'erase'}
        busy={busy}
        {...(pending?.kind === 'erase' ? { confirmText: 'erase', typed, onTyped: setTyped } : {})}
        onConfirm={confirm}
        onCancel={() => setPending(undefined)}
      >
        {pending?.kind === 'erase' ? (
          <p>
            Everything Nurture holds about this person is deleted: profile, timeline, journeys, sends. Their address is kept only as a keyed hash so they are not added again. This
            cannot be undone.
          </p>
        ) : (
          <p>They stop receiving emails of this topic, and leave the journeys that send them. Subscribing again needs their own consent.</p>
        )}
        <ErrorNote error={actionError} />
      </ConfirmDialog>
    </Page>
  );
}

function eraseNotice(name: string, answer: EraseAnswer): string {
  const counts = [
    answer.itemsDeleted !== undefined ? `${formatCount(answer.itemsDeleted)} items deleted` : undefined,
    answer.journeysStopped !== undefined ? `${formatCount(answer.journeysStopped)} journeys stopped` : undefined,
    answer.crm ? `CRM record ${answer.crm.crmId} ${answer.crm.deleted ? 'deleted' : 'to delete in the CRM by hand'}` : undefined,
  ].filter(Boolean);
  return `${name} was erased${answer.erasedBy ? ` by ${answer.erasedBy}` : ''}: ${counts.join(', ') || answer.status}.`;
}

function Time(props: { iso: string }) {
  return <time dateTime={props.iso}>{formatTime(props.iso)}</time>;
}

function Fact(props: { term: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{props.term}</dt>
      <dd>{props.children}</dd>
    </>
  );
}

function Profile(props: { data: Overview }) {
  const { contact } = props.data;
  const attributes = Object.entries(contact.attributes).sort(([a], [b]) => a.localeCompare(b));
  return (
    <Card title="Profile" id="profile">
      <dl class="facts">
        <Fact term="Email">
          {contact.email}
          {contact.emailRole ? <span class="badge">shared mailbox</span> : null}
        </Fact>
        {attributes.map(([name, value]) => (
          <Fact term={humanize(name)}>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</Fact>
        ))}
        {contact.tags?.length ? <Fact term="Tags">{contact.tags.join(', ')}</Fact> : null}
        {contact.firstTouch ? (
          <Fact term="First touch">
            {[contact.firstTouch.utm?.source, contact.firstTouch.utm?.medium, contact.firstTouch.utm?.campaign].filter(Boolean).join(' / ') || contact.firstTouch.formId || '–'}
          </Fact>
        ) : null}
        {contact.suppressed ? (
          <Fact term="Suppressed">
            <span class="badge bad">{contact.suppressed.reason}</span> <Time iso={contact.suppressed.at} />
          </Fact>
        ) : null}
        <Fact term="Created">
          <Time iso={contact.createdAt} />
        </Fact>
        <Fact term="Updated">
          <Time iso={contact.updatedAt} />
        </Fact>
      </dl>
    </Card>
  );
}

function StageAndScore(props: { overview: Overview; score: Resource<ScoreExplanation> }) {
  const { stage } = props.overview;
  return (
    <Card title="Stage and score" id="score">
      <dl class="facts">
        <Fact term="Lifecycle stage">
          {props.score.data?.stage.label ?? humanize(stage.id)}
          {stage.since ? (
            <span class="muted">
              {' '}
              since <Time iso={stage.since} />
            </span>
          ) : null}
        </Fact>
      </dl>
      <Loaded resource={props.score} label="Loading the score…">
        {(score) => (
          <>
            <p class="score-line">
              <span class="score-total">{formatCount(score.score.total)}</span> points: fit {formatCount(score.score.fit)}, behaviour {formatCount(score.score.behaviour)}
            </p>
            <Table
              caption="What the score is made of"
              head={['Rule', 'Kind', 'Points', 'When']}
              numeric={[2]}
              empty="No rule adds points yet."
              rows={score.contributions.map((contribution) => [
                contribution.label ?? humanize(contribution.ruleId),
                humanize(contribution.kind),
                contribution.earned !== undefined && contribution.earned !== contribution.points
                  ? `${formatCount(contribution.points)} (of ${formatCount(contribution.earned)}, decayed)`
                  : formatCount(contribution.points),
                contribution.at ? <Time iso={contribution.at} /> : '–',
              ])}
            />
          </>
        )}
      </Loaded>
    </Card>
  );
}

function Consent(props: { consent: Overview['consent']; canUnsubscribe: boolean; onUnsubscribe: (topic: string) => void }) {
  return (
    <Card title="Consent" id="consent">
      <Table
        caption="Email consent per topic"
        head={['Topic', 'Status', 'How', 'When', ...(props.canUnsubscribe ? ['Action'] : [])]}
        empty="No email topic."
        rows={props.consent.map((row) => [
          row.topic,
          <span class={`badge ${row.status === 'subscribed' ? 'good' : row.status === 'pending' ? 'warn' : ''}`} data-topic-status={row.topic}>
            {row.status}
          </span>,
          [row.basis, row.source].filter(Boolean).join(' · ') || '–',
          row.at ? <Time iso={row.at} /> : '–',
          ...(props.canUnsubscribe
            ? [
                row.status === 'unsubscribed' ? (
                  '–'
                ) : (
                  <button type="button" onClick={() => props.onUnsubscribe(row.topic)} aria-label={`Unsubscribe from ${row.topic}`}>
                    Unsubscribe
                  </button>
                ),
              ]
            : []),
        ])}
      />
    </Card>
  );
}

/** Enrols the contact in a journey that accepts enrolments (those with a webhook trigger; others answer 409). */
function Enrol(props: { contactId: string; onEnrolled: () => void }) {
  const { api } = useConsole();
  const journeys = useResource(() => api.get<{ journeys: readonly JourneySummary[] }>('/journeys'), []);
  const [journeyId, setJourneyId] = useState('');
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<string>();
  const [error, setError] = useState<Error>();
  const open = (journeys.data?.journeys ?? []).filter((journey) => journey.triggers.includes('webhook'));
  const chosen = journeyId || open[0]?.id || '';
  if (journeys.error) return <ErrorNote error={journeys.error} />;
  if (!open.length) return null;
  return (
    <form
      class="inline-fields enrol"
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        setError(undefined);
        setAnswer(undefined);
        try {
          const result = await api.post<EnrolAnswer>(`/journeys/${encodeURIComponent(chosen)}/enrollments`, { contacts: [{ contactId: props.contactId }] });
          const first = result.results[0];
          const name = open.find((journey) => journey.id === chosen)?.name ?? chosen;
          setAnswer(first ? `${name}: ${humanize(first.result)}${first.reason ? ` (${first.reason})` : ''}.` : `${name}: no answer.`);
          props.onEnrolled();
        } catch (failure) {
          setError(failure as Error);
        } finally {
          setBusy(false);
        }
      }}
    >
      <label class="field">
        <span>Enrol in a journey</span>
        <select value={chosen} onChange={(event) => setJourneyId(event.currentTarget.value)}>
          {open.map((journey) => (
            <option value={journey.id}>{journey.name}</option>
          ))}
        </select>
      </label>
      <div class="field">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Enrolling…' : 'Enrol'}
        </button>
      </div>
      {answer ? (
        <p class="success" role="status">
          {answer}
        </p>
      ) : null}
      <ErrorNote error={error} />
    </form>
  );
}

/** Downloads `GET /contacts/{id}/export` as `contact-<id>.json` (through the API client, with the credential). */
function ExportButton(props: { contactId: string }) {
  const { api } = useConsole();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  return (
    <>
      <button
        type="button"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(undefined);
          try {
            const blob = await api.download(`/contacts/${encodeURIComponent(props.contactId)}/export`);
            saveFile(new Blob([blob], { type: 'application/json' }), `contact-${props.contactId}.json`);
          } catch (failure) {
            setError(failure as Error);
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? 'Exporting…' : 'Export (JSON)'}
      </button>
      <ErrorNote error={error} />
    </>
  );
}
