import { describe, expect, it } from 'vitest';
import { exportOf } from '../../functions/contacts/domain/contact-data';
import { checkUpsert, decideUpsert, type UpsertRequest, type UpsertRules } from '../../functions/contacts/domain/upsert';
import { JourneyFile } from '../../functions/journeys/domain/journey-file';
import { exitReason } from '../../functions/journeys/domain/rules';
import { loadSmsTemplates } from '../../functions/sms/domain/sms-template';
import type { Contact } from '../../functions/shared/contact';
import { EventName } from '../../functions/shared/events';
import { TimelineEvent } from '../../functions/shared/timeline';
import { validateJourney } from '../../lib/journeys/validate';
import { validatedSmsTemplates } from '../../lib/sms/sms-template-files';

const NOW = '2026-12-06T10:00:00.000Z';
const rules = (overrides: Partial<UpsertRules> = {}): UpsertRules => ({
  fields: new Map(),
  topics: new Set(['product', 'newsletter']),
  isDisposable: () => false,
  ...overrides,
});
const contact = (overrides: Partial<Contact> = {}): Contact => ({
  contactId: '01JCONTACT0000000000000000',
  email: 'ada@example.com',
  attributes: {},
  createdAt: '2026-12-01T09:00:00.000Z',
  updatedAt: '2026-12-01T09:00:00.000Z',
  ...overrides,
});
const valid = (raw: unknown, with_: Partial<UpsertRules> = {}): UpsertRequest => {
  const check = checkUpsert(raw, rules(with_));
  if (check.type !== 'Valid') throw new Error(`expected a valid request: ${JSON.stringify(check.errors)}`);
  return check.request;
};

describe('a phone number on the contacts API', () => {
  it('is stored in E.164 whatever the caller wrote', () => {
    expect(valid({ email: 'ada@example.com', phone: '+1 (415) 555-2671' }).phone).toBe('+14155552671');
  });

  it('reads a national number in the configured default country', () => {
    expect(valid({ email: 'ada@example.com', phone: '06 12 34 56 78' }, { defaultCountry: 'FR' }).phone).toBe('+33612345678');
  });

  it('refuses a number that is not valid, naming the field', () => {
    const check = checkUpsert({ email: 'ada@example.com', phone: '+1 555' }, rules());
    expect(check).toEqual({ type: 'Invalid', errors: [{ field: 'phone', message: 'must be a valid phone number with its country code (+…)' }] });
  });

  it('refuses a national number when no default country is configured', () => {
    expect(checkUpsert({ email: 'ada@example.com', phone: '0612345678' }, rules()).type).toBe('Invalid');
  });

  it('sets the number on the profile and says so in the event, without the number', () => {
    const decision = decideUpsert(valid({ email: 'ada@example.com', phone: '+14155552671' }), contact(), { contactId: 'x', now: NOW, via: 'api' });
    expect(decision.type).toBe('Update');
    expect(decision.contact.phone).toBe('+14155552671');
    expect(decision.type !== 'Unchanged' && decision.change.phone).toBe('set');
  });

  it('removes the number when it is sent as null', () => {
    const decision = decideUpsert(valid({ email: 'ada@example.com', phone: null }), contact({ phone: '+14155552671' }), { contactId: 'x', now: NOW, via: 'api' });
    expect(decision.contact.phone).toBeUndefined();
    expect(decision.type !== 'Unchanged' && decision.change.phone).toBe('cleared');
  });

  it('changes nothing when the number is the one the profile has', () => {
    const decision = decideUpsert(valid({ email: 'ada@example.com', phone: '+14155552671' }), contact({ phone: '+14155552671' }), { contactId: 'x', now: NOW, via: 'api' });
    expect(decision.type).toBe('Unchanged');
  });
});

describe('SMS consent on the contacts API', () => {
  it('keeps SMS consent apart from email consent', () => {
    const request = valid({
      email: 'ada@example.com',
      consents: [
        { topic: 'product', status: 'subscribed', basis: 'form', source: 'checkout', channel: 'sms' },
        { topic: 'product', status: 'unsubscribed', basis: 'api', source: 'crm' },
      ],
    });
    const decision = decideUpsert(request, contact(), { contactId: 'x', now: NOW, via: 'api' });
    expect(decision.contact.smsSubscriptions).toEqual({ product: { status: 'subscribed', at: NOW, source: 'checkout', basis: 'form' } });
    expect(decision.contact.subscriptions).toEqual({ product: { status: 'unsubscribed', at: NOW, source: 'crm', basis: 'api' } });
  });

  it('refuses the same topic stated twice for one channel', () => {
    const check = checkUpsert(
      {
        email: 'ada@example.com',
        consents: [
          { topic: 'all', status: 'subscribed', basis: 'form', source: 'a', channel: 'sms' },
          { topic: 'all', status: 'unsubscribed', basis: 'form', source: 'b', channel: 'sms' },
        ],
      },
      rules(),
    );
    expect(check).toEqual({ type: 'Invalid', errors: [{ field: 'consents.1.topic', message: 'is stated twice' }] });
  });

  it('refuses a channel other than email or sms', () => {
    const check = checkUpsert({ email: 'ada@example.com', consents: [{ topic: 'all', status: 'subscribed', basis: 'form', source: 'a', channel: 'fax' }] }, rules());
    expect(check.type === 'Invalid' && check.errors[0]?.field).toBe('consents.0.channel');
  });

  it('does not end an email journey when SMS consent is withdrawn through the API', () => {
    const journey = JourneyFile.parse({ id: 'j', name: 'J', topic: 'product', triggers: [{ on: 'webhook' }], steps: [{ id: 'a', type: 'exit' }] });
    const upserted = (channel: 'sms' | 'email') =>
      TimelineEvent.parse({
        eventId: '01JEVENT000000000000000000',
        contactId: 'c',
        type: EventName.ContactUpserted,
        occurredAt: NOW,
        data: { via: 'api', created: false, consents: [{ topic: 'all', status: 'unsubscribed', basis: 'api', source: 'crm', channel }] },
      });
    expect(exitReason(upserted('sms'), journey, contact())).toBeUndefined();
    expect(exitReason(upserted('email'), journey, contact())?.reason).toBe('unsubscribed');
  });
});

describe('the GDPR export', () => {
  it('includes the phone number, SMS consent and each SMS send with its events', () => {
    const partition = [
      { PK: 'CONTACT#c', SK: 'PROFILE', contactId: 'c', phone: '+14155552671', smsSubscriptions: { all: { status: 'subscribed', at: NOW, source: 'form' } } },
      { PK: 'CONTACT#c', SK: 'EVENT#01A', eventId: '01A', type: 'sms.sent', data: { sendId: 's1', templateId: 't', messageId: 'm1' } },
      { PK: 'CONTACT#c', SK: 'EVENT#01B', eventId: '01B', type: 'sms.delivered', data: { sendId: 's1', messageId: 'm1', status: 'DELIVERED' } },
    ];
    const record = { PK: 'IDEM#sms#s1', SK: 'IDEM', sendId: 's1', contactId: 'c', status: 'sent' };
    const exported = exportOf('c', partition, [record], NOW);
    expect(exported.sms.phone).toBe('+14155552671');
    expect(exported.sms.subscriptions).toEqual({ all: { status: 'subscribed', at: NOW, source: 'form' } });
    expect(exported.sms.sends).toEqual([{ sendId: 's1', record: { sendId: 's1', contactId: 'c', status: 'sent' }, events: [expect.objectContaining({ type: 'sms.sent' }), expect.objectContaining({ type: 'sms.delivered' })] }]);
  });
});

describe('SMS templates and send_sms steps', () => {
  it('loads the shipped templates (schema, file names, Liquid and defaults)', () => {
    expect([...validatedSmsTemplates().templates.keys()]).toEqual(['cart-reminder', 'trial-ending']);
  });

  it('refuses a template without a body, naming the file and the field', () => {
    expect(() => loadSmsTemplates({ 'x.yaml': { id: 'x', name: 'X' } })).toThrow(/x\.yaml is invalid: .*body/);
  });

  it('refuses a template named after another id', () => {
    expect(() => loadSmsTemplates({ 'x.yaml': { id: 'y', name: 'Y', body: 'hi' } })).toThrow('name the file after its id');
  });

  it('fails validation of a journey naming an unknown SMS template', () => {
    const journey = JourneyFile.parse({ id: 'j', name: 'J', topic: 'product', triggers: [{ on: 'webhook' }], steps: [{ id: 'text', type: 'send_sms', template: 'nope' }] });
    const problems = validateJourney(journey, { templates: new Set(), forms: new Set(), smsTemplates: new Set(['cart-reminder']) });
    expect(problems).toEqual(['j: step "text" sends SMS template "nope", which is not in content/sms']);
  });
});
