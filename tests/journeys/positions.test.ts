import { describe, expect, it } from 'vitest';
import { JourneyFile } from '../../functions/journeys/domain/journey-file';
import { START_STEP, placeInWaits, waitingStepAfter } from '../../functions/journeys/domain/positions';
import { journeys } from '../../functions/journeys/journeys';

const shipped = (id: string) => journeys.get(id)!;
const journey = (steps: unknown[]) => JourneyFile.parse({ id: 'j', name: 'J', triggers: [{ on: 'webhook' }], steps });

describe('where a contact marked at a step sits', () => {
  it('is the wait for a click after each nurture email, and nowhere new before the first email', () => {
    const router = shipped('budget-router');

    expect(['nurture-1', 'nurture-2', 'nurture-3', 'nurture-4'].map((step) => waitingStepAfter(router, step))).toEqual([
      'wait-click-1',
      'wait-click-2',
      'wait-click-3',
      'wait-click-4',
    ]);
    // From the start, the branch leads straight to an email or the hand-off: no wait in between.
    expect(waitingStepAfter(router, START_STEP)).toBe(START_STEP);
    // After the demo offer the journey ends; after "a rep will call" too.
    expect(waitingStepAfter(router, 'demo-offer')).toBe('demo-offer');
    expect(waitingStepAfter(router, 'rep-will-call')).toBe('rep-will-call');
  });

  it('is the first wait when a journey starts with one, and the wait between two emails', () => {
    expect(waitingStepAfter(shipped('cart-recovery'), START_STEP)).toBe('grace-hour');
    expect(waitingStepAfter(shipped('cart-recovery'), 'first-reminder')).toBe('a-day-later');
    expect(waitingStepAfter(shipped('trial-expiry'), 'ending-soon')).toBe('until-the-day');
  });

  it('stays at the mark when two waits follow each other, since either may hold the contact', () => {
    expect(waitingStepAfter(shipped('welcome'), 'welcome-email')).toBe('welcome-email');
  });

  it('looks through branches, hand-offs and webhooks, but not past another email or update', () => {
    const j = journey([
      { id: 'hello', type: 'send_email', template: 'welcome' },
      { id: 'route', type: 'branch', cases: [{ when: ['budget >= 5000'], next: 'sales' }], otherwise: 'tag' },
      { id: 'sales', type: 'hand_off', next: 'pause' },
      { id: 'pause', type: 'wait', duration: '2d', next: 'done' },
      { id: 'tag', type: 'update_contact', add_tags: ['small'], next: 'later' },
      { id: 'later', type: 'wait', duration: '5d', next: 'done' },
      { id: 'done', type: 'exit' },
    ]);

    // From "hello" the branch reaches the pause (through the hand-off) and the tag update, which marks: one wait.
    expect(waitingStepAfter(j, 'hello')).toBe('pause');
    expect(waitingStepAfter(j, 'tag')).toBe('later');
  });

  it('stays at the mark when a branch leads to two different waits', () => {
    const j = journey([
      { id: 'hello', type: 'send_email', template: 'welcome' },
      { id: 'route', type: 'split', paths: [{ percent: 50, next: 'short' }, { percent: 50, next: 'long' }] },
      { id: 'short', type: 'wait', duration: '1d', next: 'done' },
      { id: 'long', type: 'wait', duration: '3d', next: 'done' },
      { id: 'done', type: 'exit' },
    ]);

    expect(waitingStepAfter(j, 'hello')).toBe('hello');
  });

  it('is the wait itself for a contact a new version took over there, even when another wait follows it', () => {
    const welcome = shipped('welcome');

    expect(waitingStepAfter(welcome, 'after-a-day')).toBe('after-a-day');
    expect(waitingStepAfter(shipped('budget-router'), 'wait-click-2')).toBe('wait-click-2');
  });

  it('moves whole counts, keeping the total, and leaves unknown steps (a renamed step still in the gauge) as they are', () => {
    const placed = placeInWaits(shipped('budget-router'), { start: 1, 'nurture-1': 3, 'wait-click-1': 2, 'old-step': 1 });

    expect(placed).toEqual({ start: 1, 'wait-click-1': 5, 'old-step': 1 });
  });
});
