import type { Contact } from '../shared/contact';
import { BadRequest, escapeHtml, html, httpHandler, NotFound, wantsHtml, type HttpEvent, type HttpResult } from '../shared/http';
import { ulid, type Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { TimelineEvent } from '../shared/timeline';
import { applyConsent, type ConsentChange } from './domain/consent';
import { consentFor } from './domain/guards';
import type { EmailSettings } from './domain/settings';
import type { EmailStore } from './ports';
import type { SignerSource } from './signing-keys';

export interface PreferencesDeps {
  readonly store: Pick<EmailStore, 'getContact' | 'updateConsent' | 'getSend'>;
  readonly settings: EmailSettings;
  readonly signer: SignerSource;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The exact body of an RFC 8058 one-click unsubscribe POST. */
const ONE_CLICK_BODY = 'List-Unsubscribe=One-Click';

/** Confirmation links stay valid this long (a reminder goes out once before). */
const CONFIRM_VALID_DAYS = 30;

type Link =
  | { readonly kind: 'u'; readonly contactId: string; readonly topic?: string; readonly sendId?: string }
  | { readonly kind: 'k'; readonly contactId: string; readonly topic: string; readonly formId: string; readonly issuedAt: number };

/**
 * Consent, with no login: the signed token in the link is the credential.
 * - `GET /u/{token}`: the preference page (one checkbox per topic, "unsubscribe from all"); for a double
 *   opt-in link, a page with a "confirm" button (a GET never changes anything, so link scanners cannot confirm
 *   or unsubscribe anyone).
 * - `POST /u/{token}` with exactly `List-Unsubscribe=One-Click` (RFC 8058, what Gmail and Yahoo send): unsubscribes
 *   from the email's topic at once and answers 200.
 * - `POST /u/{token}` from the page's form: saves the topics, unsubscribes from all, or confirms.
 * Every change is a timeline event; the reactor exits marketing journeys on `email.unsubscribed`.
 */
export async function preferences(event: HttpEvent, deps: PreferencesDeps): Promise<HttpResult> {
  const link = await parseLink(event.pathParameters?.token ?? '', deps);
  const contact = link && (await deps.store.getContact(link.contactId));
  if (!link || !contact) throw new NotFound('This link is not valid');
  const method = event.requestContext.http.method;

  if (link.kind === 'k') {
    if (deps.clock.now().getTime() / 1000 - link.issuedAt > CONFIRM_VALID_DAYS * 86_400) {
      return html(410, page('This link has expired', '<p>Please sign up again to receive our emails.</p>'), noStore);
    }
    if (method !== 'POST') return html(200, confirmPage(deps.settings, link.topic), noStore);
    await change(contact, { type: 'Confirm', topic: link.topic, formId: link.formId, consentTextVersion: deps.settings.doubleOptIn.consentTextVersion }, deps);
    return html(200, page('Subscription confirmed', '<p>Thank you: you are subscribed.</p>'), noStore);
  }

  if (method !== 'POST') return html(200, preferencePage(contact, deps.settings, false), noStore);
  const body = bodyOf(event);
  if (isOneClick(body)) {
    await change(contact, { type: 'Unsubscribe', topic: link.topic ?? 'all', source: 'one-click' }, deps, link.sendId);
    return { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8', ...noStore }, body: 'Unsubscribed\n' };
  }
  const form = new URLSearchParams(body);
  const topics = deps.settings.topics.map((topic) => topic.id);
  const action = form.get('action');
  // Anything else is neither the page's form nor RFC 8058: refuse it rather than read it as "no topic wanted".
  if (action !== 'save' && action !== 'unsubscribe_all') throw new BadRequest('Unknown preference action');
  const request: ConsentChange =
    action === 'unsubscribe_all'
      ? { type: 'Unsubscribe', topic: 'all', source: 'preference-page' }
      : { type: 'SetTopics', wanted: form.getAll('topic').filter((topic) => topics.includes(topic)), topics };
  const updated = await change(contact, request, deps, link.sendId);
  return html(200, preferencePage(updated, deps.settings, true), noStore);
}

async function change(contact: Contact, request: ConsentChange, deps: PreferencesDeps, sendId?: string): Promise<Contact> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const { subscriptions, events } = applyConsent(contact, request, at);
  if (events.length === 0) return contact;
  const send = sendId ? await deps.store.getSend(sendId) : undefined;
  const ref = send?.messageId ? { messageId: send.messageId, templateId: send.templateId } : {};
  const timeline = events.map((e) =>
    TimelineEvent.parse({
      eventId: ulid(now.getTime()),
      contactId: contact.contactId,
      type: e.type,
      occurredAt: at,
      data: e.type === 'email.unsubscribed' ? { ...e.data, ...ref } : e.data,
    }),
  );
  await deps.store.updateConsent(contact.contactId, { subscriptions }, timeline, at);
  deps.logger.info('consent changed', { contactId: contact.contactId, events: events.map((e) => e.type) });
  return { ...contact, subscriptions: { ...contact.subscriptions, ...subscriptions } };
}

async function parseLink(token: string, deps: PreferencesDeps): Promise<Link | undefined> {
  const signer = await deps.signer();
  const u = signer.verify('u', token, 3);
  if (u) {
    const [contactId, topic, sendId] = u as [string, string, string];
    return { kind: 'u', contactId, ...(topic !== '-' ? { topic } : {}), ...(sendId !== '-' ? { sendId } : {}) };
  }
  const k = signer.verify('k', token, 4);
  if (k) {
    const [contactId, topic, formId, issued] = k as [string, string, string, string];
    return { kind: 'k', contactId, topic, formId, issuedAt: parseInt(issued, 36) };
  }
  return undefined;
}

/**
 * RFC 8058: the body is `List-Unsubscribe=One-Click`, sent urlencoded or as multipart/form-data (one part named
 * `List-Unsubscribe` with the value `One-Click`).
 */
function isOneClick(body: string): boolean {
  if (body.trim() === ONE_CLICK_BODY) return true;
  return /name="List-Unsubscribe"\r?\n(?:[^\r\n]+\r?\n)*\r?\nOne-Click\r?\n/.test(body);
}

function bodyOf(event: HttpEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

const noStore = { 'cache-control': 'no-store, private', 'referrer-policy': 'no-referrer' };

function preferencePage(contact: Contact, settings: EmailSettings, saved: boolean): string {
  const allOff = contact.subscriptions?.all?.status === 'unsubscribed';
  const boxes = settings.topics
    .map((topic) => {
      const checked = !allOff && consentFor(contact, topic.id) === 'subscribed' ? ' checked' : '';
      return `<label><input type="checkbox" name="topic" value="${escapeHtml(topic.id)}"${checked}> <strong>${escapeHtml(topic.label)}</strong>${
        topic.description ? `<br><small>${escapeHtml(topic.description)}</small>` : ''
      }</label>`;
    })
    .join('\n');
  const status = saved ? '<p role="status" class="saved">Your preferences are saved.</p>' : '';
  const note = allOff ? '<p>You are unsubscribed from all marketing emails. Tick a topic to hear from us again.</p>' : '';
  return page(
    'Email preferences',
    `${status}${note}
<form method="post">
<fieldset><legend>Emails I want to receive</legend>
${boxes}
</fieldset>
<button type="submit" name="action" value="save">Save preferences</button>
<button type="submit" name="action" value="unsubscribe_all" class="secondary">Unsubscribe from all marketing emails</button>
</form>
<p><small>Service messages about your requests and account are sent whatever you choose here.</small></p>`,
  );
}

function confirmPage(settings: EmailSettings, topicId: string): string {
  const topic = settings.topics.find((t) => t.id === topicId);
  return page(
    'Confirm your subscription',
    `<p>Confirm that you want to receive <strong>${escapeHtml(topic?.label ?? 'our emails')}</strong>.</p>
<form method="post"><button type="submit" name="action" value="confirm">Yes, subscribe me</button></form>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1f2933}
fieldset{border:1px solid #d2d6dc;border-radius:8px;padding:1rem;margin:0 0 1rem}label{display:block;margin:.5rem 0}
button{font:inherit;padding:.5rem 1rem;border-radius:6px;border:0;background:#2f6fed;color:#fff;margin:.25rem .5rem .25rem 0}
button.secondary{background:#e5e7eb;color:#1f2933}.saved{background:#ecfdf5;padding:.5rem 1rem;border-radius:6px}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

export const makePreferences = (deps: PreferencesDeps) =>
  // The links are opened in a browser: a bad or expired one is answered with a page, not JSON.
  httpHandler((event) => preferences(event, deps), { logger: deps.logger, htmlErrors: wantsHtml });
