import { describe, expect, it } from 'vitest';
import { eventually, useLocalRuntime, type JourneyDriver } from '../journeys/support';

/**
 * The send window end to end: a marketing step outside the contact's local hours answers `deferred`, the journey
 * waits on the local Step Functions endpoint until the window opens (a day passes in a second), then the same step
 * runs again and sends.
 */
let drive: JourneyDriver;

useLocalRuntime({ tableName: 'email-send-window', timeScale: 86_400 }, (_, d) => {
  drive = d;
});

/** A UTC offset zone where it is now about 02:00: six hours before the 08:00–20:00 window opens. */
function nightZone(): string {
  const offset = (2 - new Date().getUTCHours() + 24) % 24;
  return offset === 0 ? 'Etc/GMT' : offset <= 12 ? `Etc/GMT-${offset}` : `Etc/GMT+${24 - offset}`;
}

function localHour(at: string, timeZone: string): number {
  return Number(new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(new Date(at)));
}

describe('the send window on the local runtime', () => {
  it('defers the welcome email of a night-time sign-up until the window opens, then sends it once', { timeout: 90_000 }, async () => {
    // Prepare: the site identified the visitor, in a zone where it is night.
    const email = `night-${Date.now()}@example.com`;
    const zone = nightZone();
    await drive.identify(email, { email, time_zone: zone });

    // Act
    const contactId = await drive.postForm('newsletter', { email, first_name: 'Nora', newsletter_consent: 'on' });
    const timeline = await eventually(
      () => drive.timeline(contactId),
      (items) => items.some((e) => e.type === 'email.sent' && e.data.templateId === 'welcome'),
      60_000,
    );

    // Assess: the step answered deferred, the execution waited out the night, and the retried step sent.
    const history = (drive.execution('welcome', contactId)?.history ?? []).map((h) => h.name);
    const firstWait = history.indexOf('welcome-email.window');
    expect(history.indexOf('welcome-email'), history.join(' > ')).toBeLessThan(firstWait);
    expect(history.indexOf('welcome-email', firstWait), history.join(' > ')).toBeGreaterThan(firstWait);
    const sent = timeline.filter((e) => e.type === 'email.sent' && e.data.templateId === 'welcome');
    expect(sent).toHaveLength(1);
    expect(localHour(sent[0]!.occurredAt, zone)).toBeGreaterThanOrEqual(8);
    expect(localHour(sent[0]!.occurredAt, zone)).toBeLessThan(20);
    expect(timeline.filter((e) => e.type === 'email.skipped')).toEqual([]);
    expect((await drive.inbox(email)).filter((m) => m.subject === 'Welcome, Nora!')).toHaveLength(1);
  });
});
