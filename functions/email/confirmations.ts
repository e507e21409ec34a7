import { EventName } from '../shared/events';
import { TimelineEvent } from '../shared/timeline';
import { CONFIRMATION_TEMPLATE, REMINDER_TEMPLATE } from './domain/double-opt-in';
import type { EmailSender, ReminderDue } from './ports';
import { sendEmail, type SendDeps } from './send-email';
import { sendIdOf } from './tokens';

/** What the reactor asks the email capability to send (the `SendEmail` call decision). */
export interface EmailRequest {
  readonly contactId: string;
  readonly templateId: string;
  readonly idempotencyKey: string;
  readonly confirm?: { readonly topic: string; readonly formId: string; readonly ip?: string };
}

/**
 * Sends the reactor's emails. A double opt-in confirmation first marks the topic `pending` with its consent record
 * (form, IP, consent text version) and appends `consent.requested`, then sends the confirmation email with a
 * signed link to `/u/{token}`. Both steps are idempotent by the request's key, as a reactor call must be.
 */
export class ReactorEmails implements EmailSender {
  constructor(private readonly deps: SendDeps) {}

  async send(request: EmailRequest): Promise<void> {
    const now = this.deps.clock.now();
    const at = now.toISOString();
    const sendId = sendIdOf('reactor', request.contactId, request.idempotencyKey);
    let confirmUrl: string | undefined;
    if (request.confirm) {
      const { topic, formId, ip } = request.confirm;
      const contact = await this.deps.store.getContact(request.contactId);
      if (!contact) return;
      const consentTextVersion = this.deps.settings.doubleOptIn.consentTextVersion;
      if (contact.subscriptions?.[topic]?.status !== 'subscribed') {
        await this.deps.store.updateConsent(
          request.contactId,
          { subscriptions: { [topic]: { status: 'pending', at, source: 'form', formId, consentTextVersion, ...(ip ? { ip } : {}) } } },
          [
            TimelineEvent.parse({
              // From the triggering event's id, never the clock: a retried reactor call finds it and writes nothing.
              eventId: `${request.idempotencyKey}.consent`,
              contactId: request.contactId,
              type: EventName.ConsentRequested,
              occurredAt: at,
              data: { topic, formId, consentTextVersion, ...(ip ? { ip } : {}) },
            }),
          ],
          at,
        );
      }
      const signer = await this.deps.signer();
      const issued = Math.floor(now.getTime() / 1000).toString(36);
      confirmUrl = `${this.deps.publicUrl}/u/${signer.sign('k', [request.contactId, topic, formId, issued])}`;
    }
    if (request.confirm) {
      const day = new Date(now.getTime() + this.deps.settings.doubleOptIn.reminderAfterDays * 86_400_000).toISOString().slice(0, 10);
      await this.deps.store.scheduleReminder({ day, contactId: request.contactId, topic: request.confirm.topic, formId: request.confirm.formId });
    }
    const topicLabel = this.deps.settings.topics.find((t) => t.id === request.confirm?.topic)?.label;
    await sendEmail(
      {
        contactId: request.contactId,
        templateId: request.confirm ? CONFIRMATION_TEMPLATE : request.templateId,
        sendId,
        data: topicLabel ? { topic_label: topicLabel } : {},
        ...(confirmUrl ? { links: { confirm: confirmUrl } } : {}),
      },
      this.deps,
    );
  }

  /**
   * The one reminder of a double opt-in still pending `reminderAfterDays` after its confirmation email: sent at
   * most once per pending subscription (its send id is derived from the subscription's timestamp), never for a
   * topic confirmed, unsubscribed or re-requested since.
   */
  async remind(due: ReminderDue): Promise<'sent' | 'not_pending'> {
    const contact = await this.deps.store.getContact(due.contactId);
    const pending = contact?.subscriptions?.[due.topic];
    if (!contact || pending?.status !== 'pending') return 'not_pending';
    const signer = await this.deps.signer();
    const issued = Math.floor(this.deps.clock.now().getTime() / 1000).toString(36);
    const confirm = `${this.deps.publicUrl}/u/${signer.sign('k', [due.contactId, due.topic, due.formId, issued])}`;
    const topicLabel = this.deps.settings.topics.find((t) => t.id === due.topic)?.label;
    await sendEmail(
      {
        contactId: due.contactId,
        templateId: REMINDER_TEMPLATE,
        sendId: sendIdOf('reminder', due.contactId, due.topic, pending.at),
        data: topicLabel ? { topic_label: topicLabel } : {},
        links: { confirm },
      },
      this.deps,
    );
    return 'sent';
  }
}
