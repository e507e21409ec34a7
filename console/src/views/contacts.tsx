import { useState } from 'preact/hooks';
import type { ViewProps } from '../app';
import { ApiError, useResource } from '../api';
import { takeNotice } from '../components/contact-notice';
import { ErrorNote, Loading, Page, Table } from '../components/page';
import { useConsole } from '../context';
import { formatCount, formatTime, humanize } from '../format';
import { href, navigate } from '../router';

/** A contact as the contacts API answers it (the fields the console reads). */
export interface ContactSummary {
  readonly contactId: string;
  readonly email: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly stage?: string;
  readonly score?: { readonly total: number };
  readonly tags?: readonly string[];
}

/** The searches `GET /contacts` offers, one at a time (docs/contacts.md, "Finding contacts"). */
const SEARCHES = [
  { by: 'email', label: 'Email (exact)', hint: 'ada@example.com' },
  { by: 'emailPrefix', label: 'Email starts with', hint: 'ada@ex' },
  { by: 'name', label: 'Name', hint: 'lovel' },
  { by: 'stage', label: 'Stage', hint: 'mql' },
  { by: 'tag', label: 'Tag', hint: 'vip' },
  { by: 'createdOn', label: 'Created on (UTC day)', hint: '2026-12-05' },
  { by: 'updatedOn', label: 'Updated on (UTC day)', hint: '2026-12-05' },
] as const;
type SearchBy = (typeof SEARCHES)[number]['by'];

interface Found {
  readonly contacts: readonly ContactSummary[];
  readonly nextCursor?: string;
}

/** The name a person is shown by: first and last name, a full name, or the address. */
export function displayName(contact: Pick<ContactSummary, 'email' | 'attributes'>): string {
  const { first_name: first, last_name: last, name } = contact.attributes;
  const parts = [first, last].filter((part): part is string => typeof part === 'string' && part.length > 0);
  if (parts.length) return parts.join(' ');
  return typeof name === 'string' && name ? name : contact.email;
}

export function ContactsView(props: ViewProps) {
  const { api } = useConsole();
  const q = props.query.get('q')?.trim() ?? '';
  const byParam = props.query.get('by');
  const by: SearchBy = SEARCHES.some((search) => search.by === byParam) ? (byParam as SearchBy) : 'email';
  const [notice] = useState(takeNotice);
  const [more, setMore] = useState<{ key: string; contacts: ContactSummary[]; nextCursor?: string; error?: Error; loading?: boolean }>();
  const key = `${by}:${q}`;
  const found = useResource<Found | undefined>(async () => {
    if (!q) return undefined;
    if (by === 'email') {
      try {
        const answer = await api.get<{ contact: ContactSummary }>('/contacts', { email: q, limit: 1 });
        return { contacts: [answer.contact] };
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return { contacts: [] };
        throw error;
      }
    }
    return api.get<Found>('/contacts', { [by]: q, limit: 25 });
  }, [key]);
  const extra = more?.key === key ? more : undefined;
  const contacts = [...(found.data?.contacts ?? []), ...(extra?.contacts ?? [])];
  const nextCursor = extra ? extra.nextCursor : found.data?.nextCursor;

  const loadMore = async () => {
    if (!nextCursor) return;
    setMore({ key, contacts: extra?.contacts ?? [], nextCursor, loading: true });
    try {
      const page = await api.get<Found>('/contacts', { [by]: q, limit: 25, cursor: nextCursor });
      setMore({ key, contacts: [...(extra?.contacts ?? []), ...page.contacts], ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
    } catch (error) {
      setMore({ key, contacts: extra?.contacts ?? [], nextCursor, error: error as Error });
    }
  };

  return (
    <Page title="Contacts">
      {notice ? (
        <p class="success" role="status">
          {notice}
        </p>
      ) : null}
      <SearchForm key={key} q={q} by={by} />
      {found.error ? <ErrorNote error={found.error} /> : null}
      {found.loading && !found.data ? <Loading label="Searching…" /> : null}
      {q && found.data ? (
        <section aria-labelledby="results-title">
          <h2 id="results-title">
            {contacts.length === 1 ? '1 contact' : `${formatCount(contacts.length)}${nextCursor ? '+' : ''} contacts`} found
          </h2>
          <Table
            caption={`Contacts found by ${SEARCHES.find((search) => search.by === by)!.label.toLowerCase()} "${q}"`}
            head={['Name', 'Email', 'Stage', 'Score', 'Created']}
            numeric={[3]}
            empty={`No contact matches ${SEARCHES.find((search) => search.by === by)!.label.toLowerCase()} "${q}".`}
            rows={contacts.map((contact) => [
              <a href={href(`/contacts/${contact.contactId}`)}>{displayName(contact)}</a>,
              contact.email,
              contact.stage ? humanize(contact.stage) : 'Subscriber',
              formatCount(contact.score?.total ?? 0),
              formatTime(contact.createdAt),
            ])}
          />
          <ErrorNote error={extra?.error} />
          {nextCursor ? (
            <button type="button" onClick={loadMore} disabled={extra?.loading}>
              {extra?.loading ? 'Loading…' : 'Load more'}
            </button>
          ) : null}
        </section>
      ) : null}
    </Page>
  );
}

/** The search: the query and what to search by, both in the URL (`?q=&by=`) so reload and back keep them. */
function SearchForm(props: { q: string; by: SearchBy }) {
  const [q, setQ] = useState(props.q);
  const [by, setBy] = useState<SearchBy>(props.by);
  const hint = SEARCHES.find((search) => search.by === by)!.hint;
  return (
    <form
      role="search"
      class="inline-fields search"
      onSubmit={(event) => {
        event.preventDefault();
        navigate(href('/contacts', { q: q.trim(), by }));
      }}
    >
      <label class="field">
        <span>Search by</span>
        <select value={by} onChange={(event) => setBy(event.currentTarget.value as SearchBy)}>
          {SEARCHES.map((search) => (
            <option value={search.by}>{search.label}</option>
          ))}
        </select>
      </label>
      <label class="field grow">
        <span>Find</span>
        <input type="search" name="q" value={q} placeholder={`e.g. ${hint}`} onInput={(event) => setQ(event.currentTarget.value)} required />
      </label>
      <div class="field">
        <button type="submit" class="primary">
          Search
        </button>
      </div>
    </form>
  );
}
