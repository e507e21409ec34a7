import { describe, expect, it } from 'vitest';
import { stageRankOf } from '../../functions/scoring/domain/content';
import type { SegmentState } from '../../functions/segments/domain/membership';
import { compareStates, replaySegments } from '../../functions/segments/domain/rebuild';
import { indexSegments } from '../../functions/segments/domain/rules';
import { SegmentFile } from '../../functions/segments/domain/segment-file';
import type { Contact } from '../../functions/shared/contact';
import { EventName } from '../../functions/shared/events';
import type { TimelineEvent } from '../../functions/shared/timeline';

const funnel = { stageRank: stageRankOf, initialStage: 'subscriber' };
const contact = (overrides: Partial<Contact> = {}): Contact => ({
  contactId: 'c1',
  email: 'ada@example.com',
  attributes: {},
  createdAt: '2026-03-01T00:00:00.000Z',
  updatedAt: '2026-03-01T00:00:00.000Z',
  ...overrides,
});
const index = (...files: unknown[]) => indexSegments(new Map(files.map((file) => SegmentFile.parse(file)).map((s) => [s.id, s])));

let sequence = 0;
/** An event processed in the order it is made, as the reactor processes a contact's stream. */
function processed<E extends Omit<TimelineEvent, 'eventId' | 'contactId' | 'processedAt'>>(event: E, eventId?: string): TimelineEvent {
  sequence++;
  return { ...event, eventId: eventId ?? `E${String(sequence).padStart(6, '0')}`, contactId: 'c1', processedAt: new Date(Date.UTC(2026, 5, 1, 0, 0, sequence)).toISOString() } as TimelineEvent;
}
const pricing = (at: string) => processed({ type: EventName.PageViewed, occurredAt: at, data: { url: 'https://example.com/pricing', path: '/pricing' } });

const twicePricing = { id: 'pricing', name: 'Pricing twice', match: { event: 'page.viewed', where: ['path == /pricing'], count: 2, within: '7d' } };

describe('replaying a timeline through the segments', () => {
  it('enters on the second matching event, as live', () => {
    const events = [pricing('2026-03-01T10:00:00.000Z'), pricing('2026-03-03T10:00:00.000Z')];

    const { states, reasons } = replaySegments(index(twicePricing), contact(), events, '2026-03-04T00:00:00.000Z', funnel);

    expect(states.get('pricing')).toMatchObject({ member: true, since: '2026-03-03T10:00:00.000Z', reviewAt: '2026-03-08T10:00:00.000Z' });
    expect(reasons.get('pricing')).toContain('page.viewed: matches');
  });

  it('reviews a window that ended by now, as the sweep does', () => {
    const events = [pricing('2026-03-01T10:00:00.000Z'), pricing('2026-03-03T10:00:00.000Z')];

    const { states, reasons } = replaySegments(index(twicePricing), contact(), events, '2026-03-09T00:00:00.000Z', funnel);

    expect(states.get('pricing')).toMatchObject({ member: false, evaluatedAt: '2026-03-08T10:00:00.000Z' });
    expect(reasons.has('pricing')).toBe(false);
  });

  it('reviews a window that ended between two events before the later one, so the entry time is the re-entry', () => {
    const events = [pricing('2026-03-01T10:00:00.000Z'), pricing('2026-03-03T10:00:00.000Z'), pricing('2026-03-20T10:00:00.000Z'), pricing('2026-03-21T10:00:00.000Z')];

    const { states } = replaySegments(index(twicePricing), contact(), events, '2026-03-22T00:00:00.000Z', funnel);

    expect(states.get('pricing')).toMatchObject({ member: true, since: '2026-03-21T10:00:00.000Z' });
  });

  it('reads the stage as it was at each event, a change taking effect after the event that caused it', () => {
    const mqls = { id: 'mqls', name: 'MQLs', match: { where: 'stage == mql' } };
    const form = processed({ type: EventName.FormSubmitted, occurredAt: '2026-03-01T08:00:00.000Z', data: { formId: 'demo-request', fields: {}, utm: {} } });
    const feedback = processed({ type: EventName.CrmFeedback, occurredAt: '2026-03-05T08:00:00.000Z', data: { provider: 'hubspot', outcome: 'accepted' } });
    const toMql = processed({ type: EventName.StageChanged, occurredAt: '2026-03-05T08:00:00.000Z', data: { from: 'subscriber', to: 'mql', reason: 'test', causeEventId: feedback.eventId } });

    // Read with the current profile (mql) throughout, the form would have entered it on 1 March.
    const { states } = replaySegments(index(mqls), contact({ stage: 'mql' }), [form, feedback, toMql], '2026-03-06T00:00:00.000Z', funnel);

    expect(states.get('mqls')).toMatchObject({ member: true, since: '2026-03-05T08:00:00.000Z' });
  });

  it('skips the segment events themselves: they are the live outcome, not a cause', () => {
    const entered = processed({ type: EventName.SegmentEntered, occurredAt: '2026-03-01T10:00:00.000Z', data: { segmentId: 'pricing', reason: 'x' } });
    const review = processed({ type: EventName.SegmentReviewDue, occurredAt: '2026-03-01T10:00:00.000Z', data: { segmentIds: ['pricing'] } });

    const replayed = replaySegments(index(twicePricing), contact(), [entered, review, pricing('2026-03-01T10:00:00.000Z')], '2026-03-02T00:00:00.000Z', funnel);

    expect(replayed.events).toBe(1);
    expect(replayed.states.get('pricing')?.member).toBe(false);
  });
});

describe('comparing stored and rebuilt states', () => {
  const state = (overrides: Partial<SegmentState> = {}): SegmentState => ({
    segmentId: 's',
    contactId: 'c1',
    member: true,
    since: '2026-03-01T00:00:00.000Z',
    memory: { a: ['2026-03-01T00:00:00.000Z'], b: [] },
    evaluatedAt: '2026-03-01T00:00:00.000Z',
    ...overrides,
  });

  it('finds none when only the evaluation time and the memory\'s key order differ', () => {
    const rebuilt = state({ memory: { b: [], a: ['2026-03-01T00:00:00.000Z'] }, evaluatedAt: '2026-03-09T00:00:00.000Z' });

    expect(compareStates('c1', ['s'], new Map([['s', state()]]), new Map([['s', rebuilt]]))).toEqual([]);
  });

  it('names the fields that differ, a state missing, and one the timeline does not give', () => {
    const differences = compareStates(
      'c1',
      ['s', 't', 'u'],
      new Map([['s', state()], ['u', state({ segmentId: 'u' })]]),
      new Map([['s', state({ member: false, since: undefined })], ['t', state({ segmentId: 't' })]]),
    );

    expect(differences.map(({ segmentId, kind, fields }) => ({ segmentId, kind, fields }))).toEqual([
      { segmentId: 's', kind: 'changed', fields: ['member', 'since'] },
      { segmentId: 't', kind: 'missing', fields: [] },
      { segmentId: 'u', kind: 'extra', fields: [] },
    ]);
  });
});
