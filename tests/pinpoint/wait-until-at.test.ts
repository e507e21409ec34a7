import { describe, expect, it } from 'vitest';
import { JourneyFile } from '../../functions/journeys/domain/journey-file';
import { compileJourney } from '../../lib/journeys/compiler';
import { simulate } from '../../lib/journeys/simulator';

/**
 * `wait_until` with `at`: the moment a Pinpoint Wait's WaitUntil names, the same for every contact. Added to the
 * journey file for the importer; it compiles through the same step handler as the other wait_until forms, so the
 * simulator and the local runtime wait for it alike.
 */

const journey = (step: Record<string, unknown>) =>
  JourneyFile.parse({
    id: 'launch',
    name: 'Launch',
    topic: 'product',
    triggers: [{ on: 'webhook' }],
    steps: [{ id: 'until-launch', type: 'wait_until', ...step }, { id: 'announce', type: 'send_email', template: 'trial-ending-soon' }],
  });

describe('wait_until at', () => {
  it('takes one of attribute, window or at', () => {
    expect(journey({ at: '2027-01-15T09:00:00Z' }).steps[0]).toMatchObject({ at: '2027-01-15T09:00:00Z' });
    expect(() => journey({ at: '2027-01-15T09:00:00Z', attribute: 'trial_ends_at' })).toThrow(/either an attribute or a window, or else a moment/);
    expect(() => journey({ at: '15 January' })).toThrow();
  });

  it('compiles to the step handler then a Wait on its answer', () => {
    const asl = compileJourney(journey({ at: '2027-01-15T09:00:00Z' }));
    expect(asl.States['until-launch']).toMatchObject({ Type: 'Task', Parameters: { op: 'waitUntil', at: '2027-01-15T09:00:00Z' }, Next: 'until-launch.wait' });
    expect(asl.States['until-launch.wait']).toMatchObject({ Type: 'Wait', TimestampPath: '$.last.until' });
  });

  const contact = { attributes: {}, subscriptions: { product: { status: 'subscribed' as const } } };

  it('waits until the moment, in the simulator as in the runtime', async () => {
    const result = await simulate(journey({ at: '2027-01-15T09:00:00Z' }), { contact, start: new Date('2027-01-10T12:00:00Z') });
    expect(result.emails[0]?.at.slice(0, 10)).toBe('2027-01-15');
  });

  it('a moment already past does not wait', async () => {
    const result = await simulate(journey({ at: '2027-01-15T09:00:00Z' }), { contact, start: new Date('2027-02-01T12:00:00Z') });
    expect(result.emails[0]?.at.slice(0, 10)).toBe('2027-02-01');
  });
});
