import { describe, expect, it } from 'vitest';
import type { Contact } from '../../functions/shared/contact';
import { checkGuards, nextWindowOpening, timeZoneOf } from '../../functions/email/domain/guards';
import { emailSettings } from '../../functions/email/email-settings';
import { renderer } from '../../functions/email/templates';

const window = { start: '08:00', end: '20:00' };
const contact = (overrides: Partial<Contact> = {}): Contact => ({
  contactId: 'c1',
  email: 'ada@example.com',
  attributes: {},
  createdAt: '2026-03-01T00:00:00Z',
  updatedAt: '2026-03-01T00:00:00Z',
  ...overrides,
});
const marketing = renderer.meta('nurture-1');

describe('the send window', () => {
  it('is open between start and end in the contact\'s time zone', () => {
    expect(nextWindowOpening(new Date('2026-06-01T12:00:00Z'), 'Europe/Paris', window)).toBeUndefined();
  });

  it('opens later the same day before its start, and the next day after its end', () => {
    expect(nextWindowOpening(new Date('2026-06-01T04:00:00Z'), 'Europe/Paris', window)?.toISOString()).toBe('2026-06-01T06:00:00.000Z');
    expect(nextWindowOpening(new Date('2026-06-01T19:30:00Z'), 'Europe/Paris', window)?.toISOString()).toBe('2026-06-02T06:00:00.000Z');
  });

  it('opens at local 08:00 across a daylight-saving change', () => {
    // 20:00 EST on March 7th 2026; clocks go forward that night, so 08:00 on March 8th is EDT (UTC-4).
    expect(nextWindowOpening(new Date('2026-03-08T01:00:00Z'), 'America/New_York', window)?.toISOString()).toBe('2026-03-08T12:00:00.000Z');
  });

  it('uses the configured default zone when the contact has none or an invalid one', () => {
    expect(timeZoneOf(contact(), emailSettings)).toBe(emailSettings.sendWindow.defaultTimeZone);
    expect(timeZoneOf(contact({ attributes: { time_zone: 'Mars/Olympus' } }), emailSettings)).toBe(emailSettings.sendWindow.defaultTimeZone);
    expect(timeZoneOf(contact({ attributes: { time_zone: 'Asia/Tokyo' } }), emailSettings)).toBe('Asia/Tokyo');
  });

  it('defers until a whole-second timestamp Step Functions can wait for', () => {
    const outcome = checkGuards({ contact: contact(), template: marketing, recent: [], settings: emailSettings, now: new Date('2026-06-01T03:17:42.123Z') });
    expect(outcome).toEqual({ type: 'Defer', until: '2026-06-01T12:00:00Z' });
  });
});

describe('the frequency cap', () => {
  const now = new Date('2026-06-10T15:00:00Z');
  const sent = (daysAgo: number) => ({ at: new Date(now.getTime() - daysAgo * 86_400_000).toISOString(), sendId: `s${daysAgo}` });

  it('counts only marketing sends of the rolling period', () => {
    const three = [sent(1), sent(3), sent(6.9)];
    const old = [sent(1), sent(3), sent(7.1)];
    expect(checkGuards({ contact: contact(), template: marketing, recent: three, settings: emailSettings, now })).toEqual({ type: 'Skip', reason: 'frequency_cap' });
    expect(checkGuards({ contact: contact(), template: marketing, recent: old, settings: emailSettings, now })).toEqual({ type: 'Send' });
  });
});
