import type { Contact } from '../../functions/shared/contact';
import { EventName } from '../../functions/shared/events';
import { ulid } from '../../functions/shared/ids';
import type { TimelineEvent } from '../../functions/shared/timeline';

/** A contact profile with overrides. */
export function contactWith(overrides: Partial<Contact> = {}): Contact {
  return {
    contactId: '01JCONTACT0000000000000000',
    email: 'ada@acme.example',
    attributes: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const at = (iso: string) => ({ eventId: ulid(Date.parse(iso)), contactId: '01JCONTACT0000000000000000', occurredAt: iso });

export const events = {
  form: (iso: string, fields: Record<string, string | number> = {}): TimelineEvent => ({
    ...at(iso),
    type: EventName.FormSubmitted,
    data: { formId: 'demo-request', fields: { email: 'ada@acme.example', ...fields }, utm: {} },
  }),
  tracked: (iso: string, event: string): TimelineEvent => ({ ...at(iso), type: EventName.Tracked, data: { event, properties: {} } }),
  page: (iso: string, path: string): TimelineEvent => ({ ...at(iso), type: EventName.PageViewed, data: { url: `https://acme.example${path}`, path } }),
  click: (iso: string, machine = false): TimelineEvent =>
    ({
      ...at(iso),
      type: 'email.clicked',
      data: { messageId: 'm-1', templateId: 'nurture-1', url: 'https://acme.example/x', linkIndex: 0, machine },
    }) as TimelineEvent,
  feedback: (iso: string, outcome: 'accepted' | 'rejected' | 'disqualified' | 'opportunity' | 'closed_won' | 'closed_lost'): TimelineEvent => ({
    ...at(iso),
    type: EventName.CrmFeedback,
    data: { provider: 'hubspot', outcome, crmId: '1001' },
  }),
};
