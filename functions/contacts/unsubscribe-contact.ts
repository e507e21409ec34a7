import * as z from 'zod';
import { requireAccess } from '../access/authorizer-context';
import { applyConsent } from '../email/domain/consent';
import type { EmailStore } from '../email/ports';
import { bodyOfType } from '../shared/body';
import { BadRequest, HttpError, NotFound, ValidationFailed, annotate, httpHandler, json, type HttpEvent, type HttpResult } from '../shared/http';
import { ulid, type Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { TimelineEvent } from '../shared/timeline';
import { fieldErrors } from '../shared/validation';
import type { Contacts } from './contacts';
import { isContactId } from './domain/contact-data';

export interface UnsubscribeContactDeps {
  readonly contacts: Pick<Contacts, 'get'>;
  /** The preference page's own write: the profile's subscription and the consent event, in one transaction. */
  readonly consent: Pick<EmailStore, 'updateConsent'>;
  /** The topics content/email.yaml declares; `all` is accepted too, as on the preference page. */
  readonly topics: readonly string[];
  readonly clock: Clock;
  readonly logger: Logger;
}

/** `POST /contacts/{contactId}/unsubscribe`: the topic to unsubscribe the contact from, or `all`. */
export const UnsubscribeRequest = z.strictObject({ topic: z.string({ error: 'is required' }).min(1, 'is required').max(100) });
export type UnsubscribeRequest = z.infer<typeof UnsubscribeRequest>;

const MAX_BODY_BYTES = 1_024;

class UnknownTopic extends HttpError {
  constructor(topic: string, topics: readonly string[]) {
    super(422, 'unknown_topic', `No topic "${topic.slice(0, 100)}"; topics: ${[...topics, 'all'].join(', ')}`, {
      errors: [{ field: 'topic', message: `must be one of ${[...topics, 'all'].join(', ')}` }],
    });
  }
}

/**
 * Unsubscribes a contact on its behalf (an operator acting on a request by phone or mail): the same
 * `email.unsubscribed` event and subscription record the preference page writes, with source `console`, so the
 * reactor exits its journeys as for the person's own click. Idempotent: an already unsubscribed topic changes
 * nothing. There is deliberately no way back here: re-subscribing needs the person's own consent.
 */
export const makeUnsubscribeContact =
  (deps: UnsubscribeContactDeps) =>
  async (event: HttpEvent): Promise<HttpResult> => {
    const contactId = event.pathParameters?.contactId ?? '';
    if (!isContactId(contactId)) {
      throw new HttpError(400, 'invalid_contact_id', 'The contact id is not valid', { errors: [{ field: 'contactId', message: 'must be a contact id' }] });
    }
    annotate(event, { contactId });
    const text = bodyOfType(event, 'application/json', MAX_BODY_BYTES, 'Send the topic as application/json: { "topic": "<topic id>" | "all" }');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new BadRequest('The body is not valid JSON', 'malformed_json');
    }
    const parsed = UnsubscribeRequest.safeParse(raw);
    if (!parsed.success) throw new ValidationFailed(fieldErrors(parsed.error));
    const { topic } = parsed.data;
    if (topic !== 'all' && !deps.topics.includes(topic)) throw new UnknownTopic(topic, deps.topics);

    const contact = await deps.contacts.get(contactId);
    if (!contact) throw new NotFound('No such contact');
    const now = deps.clock.now();
    const at = now.toISOString();
    const { subscriptions, events } = applyConsent(contact, { type: 'Unsubscribe', topic, source: 'console' }, at);
    annotate(event, { topic, changed: events.length > 0 });
    if (events.length === 0) return json(200, { contactId, topic, status: 'unsubscribed', changed: false });

    const timeline = events.map((change) =>
      TimelineEvent.parse({ eventId: ulid(now.getTime()), contactId, type: change.type, occurredAt: at, data: change.data }),
    );
    // Refused only when the profile went between the read and the write (erased meanwhile): nothing was written.
    if (!(await deps.consent.updateConsent(contactId, { subscriptions }, timeline, at))) throw new NotFound('No such contact');
    deps.logger.info('consent changed', { contactId, events: timeline.map((e) => e.type), source: 'console' });
    return json(200, { contactId, topic, status: 'unsubscribed', changed: true });
  };

export function makeUnsubscribeContactHandler(deps: UnsubscribeContactDeps) {
  return httpHandler(makeUnsubscribeContact(deps), {
    logger: deps.logger,
    responseHeaders: () => ({ 'cache-control': 'no-store' }),
    middlewares: [requireAccess()],
  });
}
