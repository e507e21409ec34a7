import { useState } from 'preact/hooks';
import { ApiError, useResource } from '../api';
import type { ViewProps } from '../app';
import { CopyButton } from '../components/copy-button';
import { Card, ErrorNote, Loaded, Page, Table } from '../components/page';
import { useConsole } from '../context';
import { formatCount, formatDay, formatTime } from '../format';
import { href } from '../router';

/** A segment as `GET /segments` lists it; `growth` over the last 30 days when the API gives it. */
interface SegmentSummary {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly size: number;
  readonly growth?: { readonly days: number; readonly entered: number; readonly exited: number; readonly net: number };
}

interface SegmentFile {
  readonly path: string;
  readonly content: string;
}

interface SegmentDetail extends SegmentSummary {
  readonly definition: string;
  readonly from: string;
  readonly to: string;
  readonly entered: number;
  readonly exited: number;
  readonly file?: SegmentFile;
}

interface MembersPage {
  readonly members: readonly { contactId: string; email: string; since: string }[];
  readonly nextCursor?: string;
}

/** What `POST /segments/preview` answers for an edited segment file: nothing is saved. */
interface SegmentPreview {
  readonly segment: { readonly id: string; readonly name: string; readonly description?: string };
  readonly size: number;
  /** Contacts evaluated. */
  readonly contacts?: number;
  readonly sample: readonly { contactId: string; email: string; reason?: string }[];
  readonly shipped: boolean;
  readonly currentSize?: number;
  readonly file: SegmentFile;
  readonly complete?: boolean;
}

const signed = (n: number) => (n > 0 ? `+${formatCount(n)}` : formatCount(n));

export function SegmentsView(_props: ViewProps) {
  const { api } = useConsole();
  const segments = useResource(() => api.get<{ segments: SegmentSummary[] }>('/segments'), []);
  return (
    <Page title="Segments">
      <Loaded resource={segments} label="Loading segments…">
        {({ segments: list }) => (
          <Table
            caption="Segments with their size and their growth over the last 30 days"
            head={['Segment', 'Members', 'Entered (30 days)', 'Exited (30 days)', 'Net (30 days)']}
            numeric={[1, 2, 3, 4]}
            empty="No segment is shipped: add a file under content/segments/."
            rows={list.map((segment) => [
              <>
                <a href={href(`/segments/${segment.id}`)}>{segment.name}</a>
                <div class="muted">{segment.id}</div>
              </>,
              formatCount(segment.size),
              formatCount(segment.growth?.entered),
              formatCount(segment.growth?.exited),
              segment.growth ? signed(segment.growth.net) : '–',
            ])}
          />
        )}
      </Loaded>
    </Page>
  );
}

export function SegmentView(props: ViewProps) {
  const { api, can } = useConsole();
  const id = props.params.segmentId!;
  const segment = useResource(() => api.get<SegmentDetail>(`/segments/${encodeURIComponent(id)}`), [id]);
  return (
    <Page title={segment.data?.name ?? id}>
      <Loaded resource={segment} label="Loading the segment…">
        {(data) => (
          <>
            <Card title="Summary" id="summary">
              {data.description ? <p>{data.description}</p> : null}
              <dl class="facts">
                <dt>Id</dt>
                <dd>
                  <code>{data.id}</code>
                </dd>
                <dt>Members now</dt>
                <dd>{formatCount(data.size)}</dd>
                <dt>Condition</dt>
                <dd>
                  <code>{data.definition}</code>
                </dd>
                <dt>
                  {formatDay(data.from)} – {formatDay(data.to)}
                </dt>
                <dd>
                  {formatCount(data.entered)} entered, {formatCount(data.exited)} exited
                </dd>
              </dl>
            </Card>
            {can('contacts:read') ? <Members segmentId={id} /> : null}
            <Preview segmentId={id} file={data.file} currentSize={data.size} />
          </>
        )}
      </Loaded>
    </Page>
  );
}

/** The members, a page at a time, each linking to its contact. */
function Members(props: { segmentId: string }) {
  const { api } = useConsole();
  const [cursors, setCursors] = useState<readonly (string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const page = useResource(
    () => api.get<MembersPage>(`/segments/${encodeURIComponent(props.segmentId)}/members`, { limit: 25, cursor }),
    [props.segmentId, cursor],
  );
  return (
    <Card title="Members" id="members">
      <Loaded resource={page} label="Loading members…">
        {(data) => (
          <>
            <Table
              caption="Members of the segment"
              head={['Contact', 'Member since']}
              empty="Nobody is in this segment now."
              rows={data.members.map((member) => [<a href={href(`/contacts/${member.contactId}`)}>{member.email}</a>, formatTime(member.since)])}
            />
            <div class="pager">
              <button type="button" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
                Previous page
              </button>
              <button type="button" disabled={!data.nextCursor} onClick={() => setCursors([...cursors, data.nextCursor])}>
                Next page
              </button>
            </div>
          </>
        )}
      </Loaded>
    </Card>
  );
}

/** An edited condition, previewed against the contacts: the console proposes the file; the file stays the truth. */
function Preview(props: { segmentId: string; file?: SegmentFile; currentSize: number }) {
  const { api } = useConsole();
  const [text, setText] = useState(props.file?.content ?? `id: ${props.segmentId}\nname: \nmatch:\n  all:\n    - where: \n`);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const [preview, setPreview] = useState<SegmentPreview | undefined>();
  const run = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setPreview(await api.post<SegmentPreview>('/segments/preview', { file: text }));
    } catch (failure) {
      setPreview(undefined);
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(false);
    }
  };
  const fieldErrors = error instanceof ApiError ? fieldErrorsOf(error) : [];
  return (
    <Card title="Preview a change" id="preview">
      <p class="hint">
        Segment files in <code>content/segments/</code> stay the source of truth: the console previews an edited condition and proposes the
        file's new content, which you commit to the repository and deploy. Nothing is saved from here.
      </p>
      <form onSubmit={run}>
        <label class="field">
          <span>Segment file (YAML){props.file ? ` — ${props.file.path}` : ''}</span>
          <textarea class="code" value={text} onInput={(event) => setText(event.currentTarget.value)} spellcheck={false} rows={14} />
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Previewing…' : 'Preview'}
        </button>
      </form>
      <ErrorNote error={error} />
      {fieldErrors.length ? (
        <ul class="error-list">
          {fieldErrors.map((problem) => (
            <li>
              <code>{problem.field}</code>: {problem.message}
            </li>
          ))}
        </ul>
      ) : null}
      {preview ? (
        <div class="preview-result" aria-live="polite">
          <h3>Result</h3>
          <dl class="facts">
            <dt>Would match</dt>
            <dd>
              <strong>{formatCount(preview.size)}</strong> contacts
              {preview.complete === false ? ` (stopped after ${formatCount(preview.contacts)} contacts: not every contact was evaluated)` : ''}
            </dd>
            <dt>Members now</dt>
            <dd>{preview.shipped ? formatCount(preview.currentSize ?? props.currentSize) : 'not shipped yet'}</dd>
          </dl>
          <h3>Sample</h3>
          <Table
            caption="A sample of the contacts the edited condition matches"
            head={['Contact', 'Why it matches']}
            empty="No contact matches."
            rows={preview.sample.map((member) => [<a href={href(`/contacts/${member.contactId}`)}>{member.email}</a>, member.reason ?? ''])}
          />
          <h3>Proposed file</h3>
          <p>
            Save as <code>{preview.file.path}</code>, then commit and deploy.
          </p>
          <pre aria-label={`Proposed content of ${preview.file.path}`}>{preview.file.content}</pre>
          <CopyButton text={preview.file.content} label="Copy" />
        </div>
      ) : null}
    </Card>
  );
}

/** The fields a 400/422 answer names (`errors: [{ field, message }]`). */
export function fieldErrorsOf(error: ApiError): { field: string; message: string }[] {
  const details = error.details as { errors?: unknown } | undefined;
  if (!Array.isArray(details?.errors)) return [];
  return details.errors.map((entry: { field?: unknown; path?: unknown; message?: unknown }) => ({
    field: String(entry.field ?? entry.path ?? ''),
    message: String(entry.message ?? ''),
  }));
}
