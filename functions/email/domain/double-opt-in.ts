import type { FormDefinition } from '../../forms/domain/form-definition';
import type { Decision, Rule } from '../../reactor/domain/decisions';
import { EventName } from '../../shared/events';

/** The transactional template of the confirmation email; its `links.confirm` is the signed confirmation link. */
export const CONFIRMATION_TEMPLATE = 'confirm-subscription';
/** The one reminder, `doubleOptIn.reminderAfterDays` after the confirmation email if still unconfirmed. */
export const REMINDER_TEMPLATE = 'confirm-subscription-reminder';

/**
 * Double opt-in: a submission of a form whose `subscribe.doubleOptIn` is set, by a contact not yet subscribed to the
 * form's topic, sends a confirmation email (the subscription is pending until its link is confirmed). One email per
 * submission: the decision's idempotency key is the submission's event id.
 */
export function doubleOptInRule(forms: ReadonlyMap<string, Pick<FormDefinition, 'subscribe'>>): Rule {
  return ({ event, contact }): Decision[] => {
    if (event.type !== EventName.FormSubmitted) return [];
    const subscribe = forms.get(event.data.formId)?.subscribe;
    if (!subscribe?.doubleOptIn) return [];
    if (contact.subscriptions?.[subscribe.topic]?.status === 'subscribed') return [];
    if (contact.suppressed) return [];
    return [
      {
        type: 'SendEmail',
        contactId: contact.contactId,
        templateId: CONFIRMATION_TEMPLATE,
        idempotencyKey: event.eventId,
        confirm: { topic: subscribe.topic, formId: event.data.formId, ...(event.data.ip ? { ip: event.data.ip } : {}) },
      },
    ];
  };
}
