import { experimentRules } from '../../functions/experiments/domain/counting';
import { experiments } from '../../functions/experiments/experiment-content';
import type { Contact } from '../../functions/shared/contact';
import { EventName } from '../../functions/shared/events';
import type { TimelineEvent } from '../../functions/shared/timeline';

const contact: Contact = { contactId: 'c1', email: 'a@example.com', attributes: {}, createdAt: '2026-03-01T08:00:00.000Z', updatedAt: '2026-03-01T08:00:00.000Z' };

/** The decisions the counting rule makes for an `email.sent` of `experimentId`, with no exposure loaded. */
export function counted(experimentId: string) {
  const event = {
    eventId: 'E1',
    contactId: 'c1',
    type: EventName.EmailSent,
    occurredAt: '2026-03-02T10:00:00.000Z',
    data: { messageId: 'm1', templateId: 'welcome', kind: 'marketing', sendId: 's1', experiment: { id: experimentId, arm: 'greeting' } },
  } as TimelineEvent;
  return experimentRules(experiments)({ event, contact, exposures: [] });
}
