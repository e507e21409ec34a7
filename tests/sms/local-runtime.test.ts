import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { LOCAL_SMS_OPT_OUT_LIST } from '../../local/runtime';
import { startTestRuntime } from '../support/runtime';
import { eventually, uniqueEmail, zoneWhereItIs } from '../journeys/support';

/**
 * SMS through the whole local runtime: the contacts API, a journey's send_sms steps, the End User Messaging sink,
 * its /dev/sms phone page (a STOP texted back through its form), the inbound handler, the reactor and the delivery
 * events.
 */
let runtime: Runtime;

beforeAll(async () => {
  runtime = await startTestRuntime({ tableName: 'sms-local' });
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${runtime.url}${path}`, { ...init, headers: { authorization: `Bearer ${runtime.apiKey}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

const timeline = async (contactId: string): Promise<{ type: string; data: Record<string, unknown> }[]> => {
  const response = await api(`/contacts/${contactId}`);
  const body = (await response.json()) as { timeline?: { items: { type: string; data: Record<string, unknown> }[] } };
  return body.timeline?.items ?? [];
};

describe('a journey texting a contact through the local runtime', () => {
  it('texts the contact, delivers, and ends texts (not emails) when the contact replies STOP on /dev/sms', { timeout: 90_000 }, async () => {
    const email = uniqueEmail('texted');
    const phone = '+14155550142';
    // Afternoon in the contact's zone: outside quiet hours whatever the time of the run.
    const upsert = await api('/contacts', {
      method: 'PUT',
      body: JSON.stringify({
        email,
        // Written as a person types it: stored in E.164.
        phone: '+1 (415) 555-0142',
        attributes: { first_name: 'Grace', time_zone: zoneWhereItIs(14) },
        consents: [{ topic: 'product', status: 'subscribed', basis: 'form', source: 'checkout', channel: 'sms' }],
      }),
    });
    expect(upsert.status).toBeLessThan(300);
    const { contactId } = (await upsert.json()) as { contactId: string };

    const enrolled = await api('/journeys/sms-cart-nudge/enrollments', { method: 'POST', body: JSON.stringify({ email }) });
    expect(enrolled.status).toBeLessThan(300);

    const [text] = await eventually(
      async () => runtime.sms.messages().filter((m) => m.direction === 'outbound' && m.to === phone),
      (texts) => texts.length > 0,
    );
    expect(text?.body).toContain('Hi Grace, your cart is still waiting');
    const delivered = await eventually(() => timeline(contactId), (events) => events.some((e) => e.type === 'sms.delivered'));
    expect(delivered.find((e) => e.type === 'sms.delivered')?.data).toMatchObject({ messageId: text?.messageId, status: 'DELIVERED', stepId: 'text-cart' });
    expect(delivered.find((e) => e.type === 'sms.sent')?.data).toMatchObject({ encoding: 'GSM-7', parts: 1, templateId: 'cart-reminder' });

    // The phone page, then the reply form as a browser without JavaScript posts it.
    const page = await fetch(`${runtime.url}/dev/sms`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'none'");
    expect(await page.text()).toContain('Hi Grace, your cart is still waiting');
    const reply = await fetch(`${runtime.url}/dev/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ from: phone, to: text!.from, body: 'Stop' }).toString(),
      redirect: 'manual',
    });
    expect(reply.status).toBe(303);

    const after = await eventually(() => timeline(contactId), (events) => events.some((e) => e.type === 'sms.skipped'), 30_000);
    expect(after.find((e) => e.type === 'sms.received')?.data).toMatchObject({ kind: 'stop', body: 'Stop' });
    expect(after.find((e) => e.type === 'sms.unsubscribed')?.data).toMatchObject({ topic: 'all', source: 'sms-keyword' });
    expect(['unsubscribed', 'opted_out']).toContain(after.find((e) => e.type === 'sms.skipped')?.data.reason);
    expect(runtime.sms.optedOut(LOCAL_SMS_OPT_OUT_LIST)).toContain(phone);
    expect(runtime.sms.messages().filter((m) => m.direction === 'outbound' && m.to === phone)).toHaveLength(1);

    const profile = await eventually(
      async () => ((await (await api(`/contacts/${contactId}`)).json()) as { contact: { smsSubscriptions?: Record<string, { status: string }>; subscriptions?: unknown } }).contact,
      (contact) => contact.smsSubscriptions?.all?.status === 'unsubscribed',
    );
    expect(profile.smsSubscriptions?.all?.status).toBe('unsubscribed');
    // Email consent is untouched: an SMS STOP is not an email unsubscribe.
    expect(profile.subscriptions ?? {}).not.toHaveProperty('all');
  });

  it('answers HELP with the configured help text, once', { timeout: 60_000 }, async () => {
    const email = uniqueEmail('helped');
    const phone = '+14155550143';
    const upsert = await api('/contacts', {
      method: 'PUT',
      body: JSON.stringify({ email, phone, attributes: { time_zone: zoneWhereItIs(14) }, consents: [{ topic: 'all', status: 'subscribed', basis: 'form', source: 'web', channel: 'sms' }] }),
    });
    const { contactId } = (await upsert.json()) as { contactId: string };
    await api('/journeys/sms-cart-nudge/enrollments', { method: 'POST', body: JSON.stringify({ email }) });
    const [text] = await eventually(async () => runtime.sms.messages().filter((m) => m.direction === 'outbound' && m.to === phone), (texts) => texts.length > 0);

    await runtime.sms.reply(phone, text!.from, 'help');

    const texts = runtime.sms.messages().filter((m) => m.direction === 'outbound' && m.to === phone);
    expect(texts.map((m) => m.body)).toEqual([text!.body, 'Example Inc: product tips by text. Msg&data rates may apply. Reply STOP to opt out.']);
    const events = await eventually(() => timeline(contactId), (all) => all.some((e) => e.type === 'sms.received'));
    expect(events.find((e) => e.type === 'sms.received')?.data).toMatchObject({ kind: 'help' });
  });

  it('records a text from an unknown number without a contact, and answers nothing', { timeout: 30_000 }, async () => {
    const before = runtime.sms.messages().length;

    await runtime.sms.reply('+14155550199', runtime.sms.localNumber, 'STOP');

    expect(runtime.sms.messages()).toHaveLength(before + 1);
    expect(runtime.sms.optedOut(LOCAL_SMS_OPT_OUT_LIST)).not.toContain('+14155550199');
  });
});
