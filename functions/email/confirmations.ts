import type { EmailSender } from '../reactor/ports';
import { EventName } from '../shared/events';
import { TimelineEvent } from '../shared/timeline';
import { CONFIRMATION_TEMPLATE } from './domain/double-opt-in';
import { sendEmail, type SendDeps } from './send-email';
import { deterministicId } from './ses-events';
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
              eventId: deterministicId(at, `consent#${request.idempotencyKey}`),
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
}
