import type { Contact } from '../contacts/domain/contact';
import { EventName } from '../shared/events';
import { ulid, type Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import type { SendEmailTaskOutput } from '../shared/tasks';
import { TimelineEvent } from '../shared/timeline';
import { checkGuards, type RecentSend } from './domain/guards';
import { addOpenPixel, contactVariables, trackLinks, type TemplateRenderer } from './domain/render';
import type { EmailSettings } from './domain/settings';
import { EmailSendFailed, SesThrottled, type EmailStore, type Mailer, type SendRecord } from './ports';
import type { TokenSigner } from './tokens';

/** One send, from a journey step or the send API. */
export interface SendRequest {
  readonly contactId: string;
  readonly templateId: string;
  /** The idempotency id: one email per sendId, ever (see `sendIdOf`). */
  readonly sendId: string;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly journeyId?: string;
  readonly stepId?: string;
  /** Extra links the template uses (the double opt-in confirmation link). */
  readonly links?: { readonly confirm?: string };
}

export type SendOutcome = SendEmailTaskOutput;

export interface SendDeps {
  readonly store: EmailStore;
  readonly mailer: Mailer;
  readonly renderer: TemplateRenderer;
  readonly settings: EmailSettings;
  /** The token signer; async because its keys may come from Secrets Manager. */
  readonly signer: () => Promise<TokenSigner>;
  /** The public base URL of the HTTP API (tracking and unsubscribe links), without a trailing slash. */
  readonly publicUrl: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** SES tag names: SES events carry them back, which is how the ses-events handler finds the contact and send. */
export const TAG = { contact: 'contact', send: 'send', template: 'template', journey: 'journey', step: 'step', topic: 'topic' };

/**
 * Sends one email, exactly once per `sendId`:
 * 1. one consistent read of the contact, its recent marketing sends and the send's record;
 * 2. a send recorded before (sent, skipped, failed) answers as it did, without calling SES again;
 * 3. the guards: a refusal is recorded (`email.skipped`) and answered as `skipped`; outside the send window the
 *    answer is `deferred` and nothing is written;
 * 4. render, then claim the send (conditional write) BEFORE calling SES, so a retried Lambda or a duplicated
 *    Step Functions retry finds the claim and never sends twice;
 * 5. SES; then the record becomes `sent` and `email.sent` is appended in one transaction.
 *
 * A claim left `pending` (the process died between SES and step 5) cannot tell whether SES took the email: it is
 * answered `skipped: send_in_doubt`, never re-sent (at most once).
 */
export async function sendEmail(request: SendRequest, deps: SendDeps): Promise<SendOutcome> {
  const now = deps.clock.now();
  const state = await deps.store.loadForSend(request.contactId, request.sendId);
  if (state.record) return answerFor(state.record, deps.logger);
  if (!state.contact) return { outcome: 'skipped', reason: 'no_contact' };
  const contact = state.contact;

  const meta = deps.renderer.meta(request.templateId);
  const topic = meta.kind === 'marketing' ? meta.topic : undefined;
  const where = {
    templateId: request.templateId,
    ...(request.journeyId ? { journeyId: request.journeyId } : {}),
    ...(request.stepId ? { stepId: request.stepId } : {}),
    ...(topic ? { topic } : {}),
  };
  const base: SendRecord = {
    sendId: request.sendId,
    contactId: contact.contactId,
    templateId: request.templateId,
    kind: meta.kind,
    ...(topic ? { topic } : {}),
    ...(request.journeyId ? { journeyId: request.journeyId } : {}),
    ...(request.stepId ? { stepId: request.stepId } : {}),
    status: 'pending',
    eventId: ulid(now.getTime()),
    links: [],
    createdAt: now.toISOString(),
  };

  const guard = checkGuards({ contact, template: meta, recent: state.recent, settings: deps.settings, now });
  if (guard.type === 'Defer') return { outcome: 'deferred', until: guard.until };
  if (guard.type === 'Skip') {
    const record = { ...base, status: 'skipped' as const, reason: guard.reason };
    const event = TimelineEvent.parse({
      eventId: base.eventId,
      contactId: contact.contactId,
      type: EventName.EmailSkipped,
      occurredAt: base.createdAt,
      data: { ...where, reason: guard.reason },
    });
    const recorded = await deps.store.recordSkip(record, event);
    if (recorded.type === 'Exists') return answerFor(recorded.record, deps.logger);
    deps.logger.info('email skipped', { contactId: contact.contactId, sendId: request.sendId, reason: guard.reason });
    return { outcome: 'skipped', reason: guard.reason };
  }

  const signer = await deps.signer();
  const { email, links } = compose(request, contact, meta.kind === 'marketing', deps, signer);
  const record = { ...base, links };
  const claimed = await deps.store.claim(record);
  if (claimed.type === 'Exists') return answerFor(claimed.record, deps.logger);

  let messageId: string;
  try {
    ({ messageId } = await deps.mailer.send({
      ...email,
      tags: {
        [TAG.contact]: contact.contactId,
        [TAG.send]: request.sendId,
        [TAG.template]: request.templateId,
        ...(request.journeyId ? { [TAG.journey]: tagValue(request.journeyId) } : {}),
        ...(request.stepId ? { [TAG.step]: tagValue(request.stepId) } : {}),
        ...(topic ? { [TAG.topic]: topic } : {}),
      },
    }));
  } catch (error) {
    if (error instanceof SesThrottled) {
      await deps.store.release(request.sendId);
      throw error;
    }
    const name = error instanceof Error ? error.name : 'Error';
    const failed = TimelineEvent.parse({
      eventId: base.eventId,
      contactId: contact.contactId,
      type: EventName.EmailFailed,
      occurredAt: deps.clock.now().toISOString(),
      data: { templateId: request.templateId, ...pick(where, 'journeyId', 'stepId'), error: name },
    });
    await deps.store.markFailed(record, name, failed);
    deps.logger.error('email send failed', { contactId: contact.contactId, sendId: request.sendId, error: name });
    throw new EmailSendFailed(`SES refused the email: ${name}`, { cause: error });
  }

  const sent = TimelineEvent.parse({
    eventId: base.eventId,
    contactId: contact.contactId,
    type: EventName.EmailSent,
    occurredAt: now.toISOString(),
    data: { ...where, messageId, kind: meta.kind, sendId: request.sendId },
  });
  await deps.store.markSent(record, messageId, sent, recentAfter(state.recent, record, deps.settings, now));
  deps.logger.info('email sent', { contactId: contact.contactId, sendId: request.sendId, templateId: request.templateId });
  return { outcome: 'sent', messageId };
}

/** The rendered email, with tracked links, the open pixel and the RFC 8058 unsubscribe headers. */
function compose(request: SendRequest, contact: Contact, marketing: boolean, deps: SendDeps, signer: TokenSigner) {
  const meta = deps.renderer.meta(request.templateId);
  const topic = meta.kind === 'marketing' ? meta.topic : '-';
  const unsubscribe = `${deps.publicUrl}/u/${signer.sign('u', [contact.contactId, topic, request.sendId])}`;
  const rendered = deps.renderer.render(request.templateId, {
    contact: contactVariables(contact),
    data: request.data ?? {},
    links: { unsubscribe, preferences: unsubscribe, ...(request.links?.confirm ? { confirm: request.links.confirm } : {}) },
  });
  let { html, text } = rendered;
  let links: readonly string[] = [];
  if (meta.tracking.clicks) {
    const tracked = trackLinks(
      { html, text },
      (index) => `${deps.publicUrl}/t/c/${signer.sign('c', [contact.contactId, request.sendId, String(index)])}`,
      (url) => url.startsWith(`${deps.publicUrl}/`),
    );
    ({ html, text, links } = tracked);
  }
  if (meta.tracking.opens) {
    html = addOpenPixel(html, `${deps.publicUrl}/t/o/${signer.sign('o', [contact.contactId, request.sendId])}`);
  }
  const { sender } = deps.settings;
  const headers = marketing
    ? [
        {
          name: 'List-Unsubscribe',
          value: [`<${unsubscribe}>`, ...(sender.unsubscribeMailto ? [`<mailto:${sender.unsubscribeMailto}?subject=unsubscribe>`] : [])].join(', '),
        },
        { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
      ]
    : [];
  return {
    email: {
      from: sender.from,
      to: contact.email,
      ...(sender.replyTo ? { replyTo: sender.replyTo } : {}),
      subject: rendered.subject,
      html,
      text,
      headers,
    },
    links,
  };
}

/** What a send recorded before answers, so a duplicate invocation returns what the first one did. */
function answerFor(record: SendRecord, logger: Logger): SendOutcome {
  switch (record.status) {
    case 'sent':
      return { outcome: 'sent', messageId: record.messageId ?? '', duplicate: true };
    case 'skipped':
      return { outcome: 'skipped', reason: record.reason ?? 'skipped' };
    case 'pending':
      logger.warn('send claimed but not confirmed; not sending again', { contactId: record.contactId, sendId: record.sendId });
      return { outcome: 'skipped', reason: 'send_in_doubt' };
    case 'failed':
      throw new EmailSendFailed(`this send failed before: ${record.reason ?? 'unknown error'}`);
  }
}

/** The mail log after this send: marketing sends inside the cap's period, this one included. */
function recentAfter(recent: readonly RecentSend[], record: SendRecord, settings: EmailSettings, now: Date): RecentSend[] {
  if (record.kind !== 'marketing') return [...recent];
  const since = now.getTime() - settings.frequencyCap.days * 86_400_000;
  return [...recent.filter((send) => Date.parse(send.at) > since), { at: now.toISOString(), sendId: record.sendId }];
}

/** SES tag values allow letters, digits, `_`, `-`, `.`, `@` only (256 characters). */
function tagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_.@-]/g, '_').slice(0, 256);
}

function pick<T extends object, K extends keyof T>(object: T, ...names: K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(names.filter((name) => object[name] !== undefined).map((name) => [name, object[name]])) as Partial<Pick<T, K>>;
}
