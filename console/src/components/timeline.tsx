import { useState } from 'preact/hooks';
import { useResource } from '../api';
import { useConsole } from '../context';
import { formatDuration, formatTime, humanize } from '../format';
import { ErrorNote, Loading } from './page';

/** One timeline event as `GET /contacts/{id}` answers it. */
export interface TimelineItem {
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

interface TimelinePage {
  readonly timeline: { readonly items: readonly TimelineItem[]; readonly nextCursor?: string };
}

/** Our stored event names in words; an event not listed here reads as `humanize(type)`. */
const EVENT_LABELS: Readonly<Record<string, string>> = {
  'form.submitted': 'Submitted a form',
  'contact.upserted': 'Contact saved through the API',
  'contact.updated': 'Contact updated by a journey',
  'contact.identified': 'Identified on the website',
  'consent.requested': 'Asked to confirm their subscription',
  'consent.confirmed': 'Confirmed their subscription',
  'email.subscribed': 'Subscribed',
  'email.unsubscribed': 'Unsubscribed',
  'email.sent': 'Email sent',
  'email.skipped': 'Email not sent',
  'email.delivered': 'Email delivered',
  'email.delivery_delayed': 'Email delivery delayed',
  'email.opened': 'Email opened',
  'email.clicked': 'Email link clicked',
  'email.bounced': 'Email bounced',
  'email.complained': 'Marked an email as spam',
  'email.rejected': 'Email rejected by SES',
  'email.failed': 'Email failed',
  'sms.sent': 'Text sent',
  'sms.skipped': 'Text not sent',
  'sms.delivered': 'Text delivered',
  'sms.failed': 'Text failed',
  'sms.received': 'Texted us',
  'sms.unsubscribed': 'Stopped texts',
  'sms.subscribed': 'Restarted texts',
  'journey.enrollment_requested': 'Enrolment in a journey requested',
  'journey.entered': 'Entered a journey',
  'journey.completed': 'Completed a journey',
  'journey.exited': 'Left a journey',
  'journey.failed': 'Journey failed',
  'journey.migrated': 'Moved to a new version of a journey',
  'score.changed': 'Score changed',
  'stage.changed': 'Lifecycle stage changed',
  'segment.entered': 'Joined a segment',
  'segment.exited': 'Left a segment',
  'segment.review_due': 'Segment review due',
  'crm.handed_off': 'Handed to sales (CRM)',
  'crm.handoff_failed': 'Hand-off to the CRM failed',
  'crm.handoff_skipped': 'Hand-off to the CRM skipped',
  'crm.feedback': 'Update from the CRM',
  'page.viewed': 'Viewed a page',
  'event.tracked': 'Tracked event',
};

export const eventLabel = (type: string) => EVENT_LABELS[type] ?? humanize(type);

const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : undefined);

/** The one line of detail an event's data is worth on the page (the export has everything). */
export function eventDetail(item: TimelineItem): string | undefined {
  const data = item.data ?? {};
  const parts = (...values: (string | undefined)[]) => values.filter(Boolean).join(' · ') || undefined;
  switch (item.type) {
    case 'form.submitted':
      return parts(text(data.formId) && `form ${text(data.formId)}`);
    case 'stage.changed':
      return parts(`${text(data.from) ?? '?'} → ${text(data.to) ?? '?'}`, text(data.reason));
    case 'score.changed':
      return parts(`${text(data.previousTotal) ?? '?'} → ${text(data.total) ?? '?'}`);
    case 'email.unsubscribed':
    case 'email.subscribed':
      return parts(text(data.topic) && `topic ${text(data.topic)}`, text(data.source) && `via ${text(data.source)}`);
    case 'sms.unsubscribed':
    case 'sms.subscribed':
      return parts(text(data.topic) && `topic ${text(data.topic)}`, text(data.keyword) && `texted ${text(data.keyword)}`);
    case 'sms.received':
      return parts(text(data.kind) !== 'none' ? text(data.kind) : undefined);
    case 'crm.handed_off':
      return parts(text(data.provider), text(data.reason));
    case 'segment.entered':
    case 'segment.exited':
      return parts(text(data.segmentId));
    case 'page.viewed':
      return parts(text(data.path) ?? text(data.url));
    case 'event.tracked':
      return parts(text(data.name) ?? text(data.event));
    case 'journey.entered':
      return parts(text(data.journeyId), text(data.version) && `version ${text(data.version)}`);
    case 'journey.migrated':
      return parts(text(data.journeyId), migration(data));
    default:
      if (item.type.startsWith('email.')) return parts(text(data.templateId), text(data.reason));
      if (item.type.startsWith('sms.')) return parts(text(data.templateId), text(data.reason) ?? text(data.status));
      if (item.type.startsWith('journey.')) return parts(text(data.journeyId), text(data.reason));
      return undefined;
  }
}

/** "Moved to version e5f6a7b8 at step wait-click-1, 2 days 4 hours left of its wait" (`journey.migrated`). */
function migration(data: Readonly<Record<string, unknown>>): string {
  const step = text(data.stepId) ?? '?';
  const from = text(data.fromStepId);
  const moved = `Moved to version ${text(data.toVersion) ?? '?'} at step ${step}${from && from !== step ? ` (was at ${from})` : ''}`;
  const remaining = typeof data.remainingSeconds === 'number' ? data.remainingSeconds : undefined;
  return remaining === undefined ? `${moved}, its wait starting afresh` : `${moved}, ${formatDuration(remaining)} left of its wait`;
}

/** A contact's timeline, newest first, a page at a time ("Load more" follows `nextCursor`). */
export function Timeline(props: { contactId: string }) {
  const { api } = useConsole();
  const first = useResource(() => api.get<TimelinePage>(`/contacts/${props.contactId}`, { limit: 25 }), [props.contactId]);
  const [more, setMore] = useState<{ items: TimelineItem[]; nextCursor?: string; loading?: boolean; error?: Error }>();
  if (first.error) return <ErrorNote error={first.error} />;
  if (!first.data) return <Loading label="Loading the timeline…" />;
  const items = [...first.data.timeline.items, ...(more?.items ?? [])];
  const nextCursor = more ? more.nextCursor : first.data.timeline.nextCursor;
  const loadMore = async () => {
    if (!nextCursor) return;
    const kept = more?.items ?? [];
    setMore({ items: kept, nextCursor, loading: true });
    try {
      const page = await api.get<TimelinePage>(`/contacts/${props.contactId}`, { limit: 25, cursor: nextCursor });
      setMore({ items: [...kept, ...page.timeline.items], ...(page.timeline.nextCursor ? { nextCursor: page.timeline.nextCursor } : {}) });
    } catch (error) {
      setMore({ items: kept, nextCursor, error: error as Error });
    }
  };
  if (!items.length) return <p class="empty">No events yet.</p>;
  return (
    <>
      <ol class="timeline">
        {items.map((item) => {
          const detail = eventDetail(item);
          return (
            <li key={item.eventId} data-type={item.type}>
              <time dateTime={item.occurredAt}>{formatTime(item.occurredAt)}</time>
              <span class="event-name">{eventLabel(item.type)}</span>
              {detail ? <span class="muted event-detail">{detail}</span> : null}
            </li>
          );
        })}
      </ol>
      <ErrorNote error={more?.error} />
      {nextCursor ? (
        <button type="button" onClick={loadMore} disabled={more?.loading}>
          {more?.loading ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </>
  );
}
