import { describe, expect, it } from 'vitest';
import { journeys } from '../../functions/journeys/journeys';
import { smsCost } from '../../functions/sms/domain/sms-prices';
import { simulate } from '../../lib/journeys/simulator';

const start = new Date('2026-11-23T19:00:00Z'); // 14:00 in New York, the journey's zone: outside quiet hours

describe('simulating a journey with send_sms steps', () => {
  it('shows the text each step would send with its encoding, parts and cost per message', async () => {
    const result = await simulate(journeys.get('sms-cart-nudge')!, {
      contact: { attributes: { first_name: 'Ada' }, phone: '+14155550142', smsSubscriptions: { product: { status: 'subscribed' } } },
      start,
    });

    expect(result.texts[0]).toEqual({
      at: start.toISOString(),
      stepId: 'text-cart',
      templateId: 'cart-reminder',
      text: 'Hi Ada, your cart is still waiting: https://www.example.com/cart Reply STOP to opt out.',
      encoding: 'GSM-7',
      parts: 1,
      country: 'US',
      costUsd: smsCost('US', 1),
    });
  });

  it('shows a text the guards stop, and why', async () => {
    const result = await simulate(journeys.get('sms-cart-nudge')!, { contact: { attributes: { first_name: 'Ada' }, phone: '+14155550142' }, start });

    expect(result.texts[0]).toEqual({ at: start.toISOString(), stepId: 'text-cart', templateId: 'cart-reminder', skipped: 'no_consent' });
  });

  it('waits out quiet hours before texting', async () => {
    const late = new Date('2026-11-24T03:00:00Z'); // 22:00 in New York
    const result = await simulate(journeys.get('sms-cart-nudge')!, {
      contact: { attributes: { first_name: 'Ada' }, phone: '+14155550142', smsSubscriptions: { all: { status: 'subscribed' } } },
      start: late,
    });

    expect(result.texts[0]?.at).toBe('2026-11-24T13:00:00.000Z');
  });
});
