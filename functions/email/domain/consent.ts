import type { Contact, Subscription } from '../../shared/contact';
import { consentFor } from './guards';

/** A change of consent someone asked for. */
export type ConsentChange =
  /** RFC 8058 one-click, or "unsubscribe from all" on the preference page. `topic` may be `all`. */
  | { readonly type: 'Unsubscribe'; readonly topic: string; readonly source: 'one-click' | 'preference-page' | 'complaint' | 'console' }
  /** The preference page's checkboxes: exactly these topics wanted, the others not. */
  | { readonly type: 'SetTopics'; readonly wanted: readonly string[]; readonly topics: readonly string[] }
  /** A double opt-in confirmation link was confirmed. */
  | { readonly type: 'Confirm'; readonly topic: string; readonly formId: string; readonly consentTextVersion: string };

export type ConsentEvent =
  | { readonly type: 'email.unsubscribed'; readonly data: { topic: string; source: 'one-click' | 'preference-page' | 'complaint' | 'console' } }
  | { readonly type: 'email.subscribed'; readonly data: { topic: string; source: 'preference-page' | 'double-opt-in'; formId?: string } }
  | { readonly type: 'consent.confirmed'; readonly data: { topic: string; formId: string; consentTextVersion: string } };

/**
 * The subscription records and timeline events a change produces: only what actually changes, so a second
 * one-click POST (mail clients retry) or an unchanged "save" writes nothing.
 */
export function applyConsent(
  contact: Contact,
  change: ConsentChange,
  at: string,
): { readonly subscriptions: Record<string, Subscription>; readonly events: ConsentEvent[] } {
  const subscriptions: Record<string, Subscription> = {};
  const events: ConsentEvent[] = [];
  switch (change.type) {
    case 'Unsubscribe': {
      const already =
        change.topic === 'all'
          ? contact.subscriptions?.all?.status === 'unsubscribed'
          : consentFor(contact, change.topic) === 'unsubscribed';
      if (already) break;
      subscriptions[change.topic] = { status: 'unsubscribed', at, source: change.source };
      events.push({ type: 'email.unsubscribed', data: { topic: change.topic, source: change.source } });
      break;
    }
    case 'SetTopics': {
      const wanted = new Set(change.wanted);
      if (wanted.size > 0 && contact.subscriptions?.all?.status === 'unsubscribed') {
        subscriptions.all = { status: 'subscribed', at, source: 'preference-page' };
      }
      for (const topic of change.topics) {
        const was = contact.subscriptions?.[topic]?.status ?? 'subscribed';
        const now = wanted.has(topic) ? 'subscribed' : 'unsubscribed';
        const effective = contact.subscriptions?.all?.status === 'unsubscribed' ? 'unsubscribed' : was;
        if (now === was && now === effective) continue;
        subscriptions[topic] = { status: now, at, source: 'preference-page' };
        events.push(
          now === 'subscribed'
            ? { type: 'email.subscribed', data: { topic, source: 'preference-page' } }
            : { type: 'email.unsubscribed', data: { topic, source: 'preference-page' } },
        );
      }
      break;
    }
    case 'Confirm': {
      if (contact.subscriptions?.[change.topic]?.status === 'subscribed') break;
      const pending = contact.subscriptions?.[change.topic];
      subscriptions[change.topic] = {
        ...pending,
        status: 'subscribed',
        at,
        source: 'double-opt-in',
        formId: change.formId,
        consentTextVersion: change.consentTextVersion,
      };
      events.push({ type: 'consent.confirmed', data: { topic: change.topic, formId: change.formId, consentTextVersion: change.consentTextVersion } });
      events.push({ type: 'email.subscribed', data: { topic: change.topic, source: 'double-opt-in', formId: change.formId } });
      break;
    }
  }
  return { subscriptions, events };
}
