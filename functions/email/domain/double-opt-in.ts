import type { Rule } from '../../reactor/domain/decisions';
import type { SendEmail } from './decisions';
import { EventName } from '../../shared/events';

/** What double opt-in reads of a form definition (content/forms): its `subscribe` block. */
export interface FormSubscription {
  readonly subscribe?: { readonly topic: string; readonly doubleOptIn?: boolean };
}

/** The transactional template of the confirmation email; its `links.confirm` is the signed confirmation link. */
export const CONFIRMATION_TEMPLATE = 'confirm-subscription';
/** The one reminder, `doubleOptIn.reminderAfterDays` after the confirmation email if still unconfirmed. */
export const REMINDER_TEMPLATE = 'confirm-subscription-reminder';

/** A form subscribes its submitters to a topic that content/email.yaml does not declare. */
export class UnknownFormTopic extends Error {
  override name = 'UnknownFormTopic';
}

/**
 * Checks every form's `subscribe.topic` against the topics of content/email.yaml, so a typo fails the build and
 * the cold start instead of subscribing people to a topic no email, preference page or unsubscribe knows.
 */
export function checkFormTopics(forms: ReadonlyMap<string, FormSubscription>, topics: readonly { readonly id: string }[]): void {
  const known = topics.map((topic) => topic.id);
  for (const [formId, form] of forms) {
    const topic = form.subscribe?.topic;
    if (topic !== undefined && !known.includes(topic)) {
      throw new UnknownFormTopic(`form "${formId}": subscribe.topic "${topic}" is not one of content/email.yaml's topics (${known.join(', ')})`);
    }
  }
}

/**
 * Double opt-in: a submission of a form whose `subscribe.doubleOptIn` is set, by a contact not yet subscribed to the
 * form's topic, sends a confirmation email (the subscription is pending until its link is confirmed). One email per
 * submission: the decision's idempotency key is the submission's event id. Refuses forms whose topic `topics` lacks.
 */
export function doubleOptInRule(
  forms: ReadonlyMap<string, FormSubscription>,
  topics: readonly { readonly id: string }[],
): Rule<object, SendEmail> {
  checkFormTopics(forms, topics);
  return ({ event, contact }): SendEmail[] => {
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
