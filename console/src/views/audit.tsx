import { useState } from 'preact/hooks';
import type { ViewProps } from '../app';
import { useResource } from '../api';
import { ErrorNote, Loading, Page, Table } from '../components/page';
import { useConsole } from '../context';
import { formatTime, lastDays } from '../format';
import { href } from '../router';

/** One entry of `GET /audit`: who did what, on what (path parameters only), and how it ended. */
interface AuditEntry {
  readonly at: string;
  readonly actor: { readonly kind: string; readonly id: string; readonly name?: string };
  readonly routeKey: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly status: number;
}

interface AuditPage {
  readonly items: readonly AuditEntry[];
  readonly nextCursor?: string;
}

/** The actions people take most, in words; any other route reads as its method and path. */
const ACTIONS: Readonly<Record<string, string>> = {
  'DELETE /contacts/{contactId}': 'Erased a contact',
  'PUT /contacts': 'Saved a contact',
  'POST /contacts/import': 'Imported contacts',
  'POST /contacts/{contactId}/unsubscribe': 'Unsubscribed a contact',
  'POST /journeys/{journeyId}/enrollments': 'Enrolled contacts in a journey',
  'DELETE /journeys/{journeyId}/enrollments/{contactId}': 'Removed a contact from a journey',
  'POST /broadcasts': 'Created a broadcast',
  'PUT /programs/{programId}/costs': 'Set program costs',
};

/** Where a path parameter points in the console, when it has a page. */
const PAGES: Readonly<Record<string, string>> = {
  contactId: '/contacts/',
  journeyId: '/journeys/',
  segmentId: '/segments/',
  broadcastId: '/broadcasts/',
  templateId: '/templates/',
};

export function AuditView(_props: ViewProps) {
  const { api, can } = useConsole();
  const range = lastDays(30);
  const first = useResource(() => (can('admin') ? api.get<AuditPage>('/audit', { ...range, limit: 50 }) : Promise.resolve(undefined)), []);
  const [more, setMore] = useState<{ items: AuditEntry[]; nextCursor?: string; loading?: boolean; error?: Error }>();
  if (!can('admin')) {
    return (
      <Page title="Audit trail">
        <p>Only admins can read the audit trail.</p>
      </Page>
    );
  }
  const items = [...(first.data?.items ?? []), ...(more?.items ?? [])];
  const nextCursor = more ? more.nextCursor : first.data?.nextCursor;
  const loadMore = async () => {
    if (!nextCursor) return;
    const kept = more?.items ?? [];
    setMore({ items: kept, nextCursor, loading: true });
    try {
      const page = await api.get<AuditPage>('/audit', { ...range, limit: 50, cursor: nextCursor });
      setMore({ items: [...kept, ...page.items], ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
    } catch (error) {
      setMore({ items: kept, nextCursor, error: error as Error });
    }
  };
  return (
    <Page title="Audit trail">
      <p class="muted">Every change made through the API in the last 30 days, newest first. Reads are not recorded.</p>
      {first.error ? <ErrorNote error={first.error} /> : null}
      {first.loading && !first.data ? <Loading label="Loading the audit trail…" /> : null}
      {first.data ? (
        <Table
          caption="Audit trail, newest first"
          head={['When', 'Who', 'Action', 'Target', 'Result']}
          empty="Nothing was changed in the last 30 days."
          rows={items.map((entry) => [
            <time dateTime={entry.at}>{formatTime(entry.at)}</time>,
            <>
              {entry.actor.name ?? entry.actor.id} <span class="muted">({entry.actor.kind})</span>
            </>,
            <span title={entry.routeKey}>{ACTIONS[entry.routeKey] ?? entry.routeKey}</span>,
            <Target parameters={entry.pathParameters} routeKey={entry.routeKey} />,
            String(entry.status),
          ])}
        />
      ) : null}
      <ErrorNote error={more?.error} />
      {nextCursor ? (
        <button type="button" onClick={loadMore} disabled={more?.loading}>
          {more?.loading ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </Page>
  );
}

/** The path parameters, linked to their pages (not an erased contact's: that page is gone). */
function Target(props: { parameters: Readonly<Record<string, string>>; routeKey: string }) {
  const entries = Object.entries(props.parameters);
  if (!entries.length) return <>–</>;
  return (
    <>
      {entries.map(([name, value], index) => (
        <>
          {index ? ', ' : ''}
          {PAGES[name] && !(name === 'contactId' && props.routeKey.startsWith('DELETE /contacts/')) ? <a href={href(`${PAGES[name]}${value}`)}>{value}</a> : <code>{value}</code>}
        </>
      ))}
    </>
  );
}
