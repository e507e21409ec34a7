import { describe, expect, it } from 'vitest';
import type { SendWindow } from '../../functions/journeys/domain/journey-file';
import { dateInZone, localParts, nextWindowOpening, zoneOr } from '../../functions/journeys/domain/time';

const everyDay: SendWindow = { hours: '08:00-10:00', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] };
const at = (iso: string) => new Date(iso);

describe('journey time: send windows and dates in a time zone', () => {
  it('opens the window at local 08:00 on the day daylight saving time ends (New York, 1 November 2026)', () => {
    // Prepare: Saturday 16:00 EDT
    const now = at('2026-10-31T20:00:00.000Z');

    // Act
    const opening = nextWindowOpening(now, everyDay, 'America/New_York');

    // Assess: Sunday 08:00 EST is 13:00 UTC (an hour later in UTC than the day before)
    expect(opening.toISOString()).toBe('2026-11-01T13:00:00.000Z');
  });

  it('opens the window at local 08:00 on the day daylight saving time starts (New York, 14 March 2027)', () => {
    const opening = nextWindowOpening(at('2027-03-13T20:00:00.000Z'), everyDay, 'America/New_York');

    expect(opening.toISOString()).toBe('2027-03-14T12:00:00.000Z');
  });

  it('moves a window opening that falls in the skipped hour to after it', () => {
    const opening = nextWindowOpening(at('2027-03-13T20:00:00.000Z'), { hours: '02:30-04:00', days: everyDay.days }, 'America/New_York');

    expect(localParts(opening, 'America/New_York')).toMatchObject({ day: 14, hour: 3, minute: 30 });
  });

  it('answers now inside the window, even when the window runs to midnight', () => {
    const now = at('2026-11-24T23:30:00.000Z');

    expect(nextWindowOpening(now, { hours: '08:00-24:00', days: everyDay.days }, 'UTC')).toBe(now);
  });

  it('opens the window on the next allowed weekday in zones far from UTC', () => {
    // Tuesday 23:30 UTC is Wednesday 13:30 in Kiritimati (UTC+14), after the window: Thursday 08:00 there
    const opening = nextWindowOpening(at('2026-11-24T23:30:00.000Z'), everyDay, 'Pacific/Kiritimati');

    expect(opening.toISOString()).toBe('2026-11-25T18:00:00.000Z');
  });

  it('starts a date at local midnight, offset by whole days', () => {
    expect(dateInZone('2026-11-01', 0, 'America/New_York')?.toISOString()).toBe('2026-11-01T04:00:00.000Z');
    expect(dateInZone('2026-12-01', -3 * 86_400, 'Europe/Paris')?.toISOString()).toBe('2026-11-27T23:00:00.000Z');
    expect(dateInZone('soon', 0, 'UTC')).toBeUndefined();
  });

  it('falls back to the journey\'s zone when the contact\'s is missing or not a zone', () => {
    expect(zoneOr('Europe/Paris', 'UTC')).toBe('Europe/Paris');
    expect(zoneOr('Mars/Olympus_Mons', 'UTC')).toBe('UTC');
    expect(zoneOr(undefined, 'America/New_York')).toBe('America/New_York');
  });
});
