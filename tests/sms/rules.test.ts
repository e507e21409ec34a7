import { describe, expect, it } from 'vitest';
import { checkSmsGuards, parseQuietHours, quietHoursEnd, smsConsentFor } from '../../functions/sms/domain/guards';
import { smsConsentRule } from '../../functions/sms/domain/consent-rule';
import { SmsRenderer } from '../../functions/sms/domain/render-sms';
import { smsTemplates } from '../../functions/sms/sms-templates';
import type { Contact } from '../../functions/shared/contact';
import { EventName } from '../../functions/shared/events';
import { TimelineEvent } from '../../functions/shared/timeline';

const contact = (overrides: Partial<Contact> = {}): Contact => ({
  contactId: 'c1',
  email: 'ada@example.com',
  attributes: { first_name: 'Ada' },
  createdAt: '2026-03-01T00:00:00.000Z',
  updatedAt: '2026-03-01T00:00:00.000Z',
  phone: '+14155550142',
  smsSubscriptions: { all: { status: 'subscribed', at: '2026-03-01T00:00:00.000Z', source: 'form' } },
  ...overrides,
});
const record = (status: 'subscribed' | 'unsubscribed') => ({ status, at: '2026-03-01T00:00:00.000Z', source: 'x' });
const guards = (overrides: Partial<Parameters<typeof checkSmsGuards>[0]> = {}) =>
  checkSmsGuards({
    contact: contact(),
    topic: 'product',
    optedOut: false,
    recent: [],
    frequencyCap: { max: 3, days: 7 },
    quietHours: parseQuietHours('21:00-08:00'),
    timeZone: 'Europe/Paris',
    now: new Date('2026-03-10T13:00:00Z'),
    ...overrides,
  });

describe('SMS consent', () => {
  it('is none without a record: no soft opt-in for texts', () => {
    expect(smsConsentFor(contact({ smsSubscriptions: undefined }), 'product')).toBe('none');
  });

  it('takes the topic record, or all', () => {
    expect(smsConsentFor(contact({ smsSubscriptions: { product: record('subscribed') } }), 'product')).toBe('subscribed');
    expect(smsConsentFor(contact({ smsSubscriptions: { all: record('subscribed') } }), 'product')).toBe('subscribed');
  });

  it('lets all unsubscribed win over a subscribed topic, and a topic unsubscribed win over all subscribed', () => {
    expect(smsConsentFor(contact({ smsSubscriptions: { all: record('unsubscribed'), product: record('subscribed') } }), 'product')).toBe('unsubscribed');
    expect(smsConsentFor(contact({ smsSubscriptions: { all: record('subscribed'), product: record('unsubscribed') } }), 'product')).toBe('unsubscribed');
  });

  it('needs all subscribed for a journey without a topic', () => {
    expect(smsConsentFor(contact({ smsSubscriptions: { product: record('subscribed') } }), undefined)).toBe('none');
  });

  it('ignores email consent entirely', () => {
    expect(smsConsentFor(contact({ smsSubscriptions: undefined, subscriptions: { all: record('subscribed') } }), 'product')).toBe('none');
  });
});

describe('the SMS guards', () => {
  it('sends in the afternoon with a number, consent and room under the cap', () => {
    expect(guards()).toEqual({ type: 'Send' });
  });

  it('checks in order: number, consent, opt-out list, frequency cap', () => {
    expect(guards({ contact: contact({ phone: undefined, smsSubscriptions: undefined }) })).toEqual({ type: 'Skip', reason: 'no_phone' });
    expect(guards({ contact: contact({ smsSubscriptions: undefined }), optedOut: true })).toEqual({ type: 'Skip', reason: 'no_consent' });
    expect(guards({ optedOut: true })).toEqual({ type: 'Skip', reason: 'opted_out' });
    const recent = [1, 2, 3].map((d) => ({ at: new Date(Date.parse('2026-03-10T13:00:00Z') - d * 86_400_000).toISOString(), sendId: `s${d}` }));
    expect(guards({ recent })).toEqual({ type: 'Skip', reason: 'frequency_cap' });
    expect(guards({ recent: recent.map((s) => ({ ...s, at: '2026-02-01T00:00:00.000Z' })) })).toEqual({ type: 'Send' });
  });

  it('defers from inside overnight quiet hours to their end, across midnight', () => {
    // 23:30 and 06:00 in Paris (UTC+1 in March before the change).
    expect(guards({ now: new Date('2026-03-10T22:30:00Z') })).toEqual({ type: 'Defer', until: '2026-03-11T07:00:00Z' });
    expect(guards({ now: new Date('2026-03-11T05:00:00Z') })).toEqual({ type: 'Defer', until: '2026-03-11T07:00:00Z' });
  });

  it('finds the end of quiet hours on the clock of the day, across a DST change', () => {
    // The night Paris moves to summer time (29 March 2026, 02:00 → 03:00): 08:00 local is 06:00 UTC.
    expect(quietHoursEnd(new Date('2026-03-28T22:00:00Z'), 'Europe/Paris', parseQuietHours('21:00-08:00'))?.toISOString()).toBe('2026-03-29T06:00:00.000Z');
  });

  it('refuses quiet hours not written HH:MM-HH:MM', () => {
    expect(() => parseQuietHours('9pm-8am')).toThrow('HH:MM-HH:MM');
  });
});

describe('the SMS consent rule', () => {
  const event = (type: string, occurredAt = '2026-03-10T12:00:00.000Z') =>
    TimelineEvent.parse({ eventId: '01JEVENT00000000000000000A', contactId: 'c1', type, occurredAt, data: { topic: 'all', source: 'sms-keyword', keyword: 'STOP' } });

  it('sets all unsubscribed on an SMS STOP, keeping the other records', () => {
    const decisions = smsConsentRule({ event: event(EventName.SmsUnsubscribed), contact: contact({ smsSubscriptions: { all: record('subscribed'), product: record('subscribed') } }) });
    expect(decisions).toEqual([
      expect.objectContaining({
        type: 'UpdateSmsConsent',
        topic: 'all',
        records: { all: { status: 'unsubscribed', at: '2026-03-10T12:00:00.000Z', source: 'sms-keyword', basis: 'sms_keyword' }, product: record('subscribed') },
        seenUpdatedAt: '2026-03-01T00:00:00.000Z',
      }),
    ]);
  });

  it('decides nothing for a STOP already applied, or older than the record', () => {
    const applied = contact({ smsSubscriptions: { all: { status: 'unsubscribed', at: '2026-03-10T12:00:00.000Z', source: 'sms-keyword' } } });
    expect(smsConsentRule({ event: event(EventName.SmsUnsubscribed), contact: applied })).toEqual([]);
    expect(smsConsentRule({ event: event(EventName.SmsSubscribed, '2026-03-09T00:00:00.000Z'), contact: applied })).toEqual([]);
  });

  it('ignores every other event', () => {
    const emailUnsubscribe = TimelineEvent.parse({ eventId: 'x', contactId: 'c1', type: EventName.EmailUnsubscribed, occurredAt: '2026-03-10T12:00:00.000Z', data: { topic: 'all', source: 'api' } });
    expect(smsConsentRule({ event: emailUnsubscribe, contact: contact() })).toEqual([]);
  });
});

describe('rendering SMS templates', () => {
  it('renders every shipped template for a complete contact, strictly, and counts its parts', () => {
    const renderer = new SmsRenderer(smsTemplates, { address: '1 Main St', website: 'https://www.example.com' }, { strict: true });
    for (const id of smsTemplates.keys()) {
      const rendered = renderer.render(id, contact({ attributes: { first_name: 'Ada', trial_ends_at: '2026-04-01' } }));
      expect(rendered.text).not.toMatch(/\s{2,}/);
      expect(rendered.parts.parts).toBeGreaterThanOrEqual(1);
    }
  });

  it('turns to UCS-2 when a character is outside GSM-7', () => {
    const renderer = new SmsRenderer(smsTemplates, { address: '', website: 'https://x.example' });
    expect(renderer.render('cart-reminder', contact({ attributes: { first_name: 'Zoë 🚀' } })).parts.encoding).toBe('UCS-2');
  });
});
