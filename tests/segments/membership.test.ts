import { describe, expect, it } from 'vitest';
import type { Contact } from '../../functions/shared/contact';
import { EventName } from '../../functions/shared/events';
import type { TimelineEvent } from '../../functions/shared/timeline';
import { evaluateSegment, type SegmentState } from '../../functions/segments/domain/membership';
import { affectedBy, indexSegments, MAX_CHANGES_PER_REACTION, segmentRule } from '../../functions/segments/domain/rules';
import { loadSegments, SegmentFile, type Segment } from '../../functions/segments/domain/segment-file';
import { segments as shipped } from '../../functions/segments/segments';

const contact = (overrides: Partial<Contact> = {}): Contact => ({
  contactId: 'c1',
  email: 'ada@example.com',
  attributes: {},
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

let sequence = 0;
function tracked(name: string, at: string, properties: Record<string, unknown> = {}): TimelineEvent {
  return { eventId: `E${String(++sequence).padStart(6, '0')}`, contactId: 'c1', occurredAt: at, type: EventName.Tracked, data: { event: name, properties } };
}
function pageView(path: string, at: string): TimelineEvent {
  return { eventId: `E${String(++sequence).padStart(6, '0')}`, contactId: 'c1', occurredAt: at, type: EventName.PageViewed, data: { url: `https://example.com${path}`, path } };
}
const segment = (input: unknown): Segment => SegmentFile.parse(input);

/** Runs events through one segment as the reactor would, returning the states and transitions in order. */
function run(s: Segment, causes: ({ event: TimelineEvent } | { at: string })[], who: Contact = contact()) {
  let state: SegmentState | undefined;
  const transitions: string[] = [];
  for (const cause of causes) {
    const evaluation = evaluateSegment(s, state, who, 'event' in cause ? { kind: 'event', event: cause.event } : { kind: 'window', at: cause.at });
    state = evaluation.state;
    if (evaluation.transition) transitions.push(`${evaluation.transition.kind}: ${evaluation.transition.reason}`);
  }
  return { state, transitions };
}

describe('segment files', () => {
  it('ship at least ten valid example segments', () => {
    expect(shipped.size).toBeGreaterThanOrEqual(10);
  });

  it('refuse a behaviour condition with both a window and dates, naming the file', () => {
    expect(() =>
      loadSegments({ 'bad.yaml': { id: 'bad', name: 'Bad', match: { event: 'x', within: '7d', between: { from: '2026-01-01', to: '2026-02-01' } } } }),
    ).toThrow(/bad\.yaml.*within.*between/s);
  });

  it('refuse a profile condition that does not parse', () => {
    expect(() => loadSegments({ 'bad.yaml': { id: 'bad', name: 'Bad', match: { where: 'budget <' } } })).toThrow(/bad\.yaml/);
  });
});

describe('membership of a behaviour segment', () => {
  const twicePricing = segment({ id: 'pricing', name: 'Pricing twice', match: { event: 'page.viewed', where: ['path == /pricing'], count: 2, within: '7d' } });

  it('enters on the second matching event within the window, with the reason', () => {
    const { state, transitions } = run(twicePricing, [{ event: pageView('/pricing', '2026-03-01T10:00:00.000Z') }, { event: pageView('/pricing', '2026-03-03T10:00:00.000Z') }]);

    expect(state?.member).toBe(true);
    expect(state?.since).toBe('2026-03-03T10:00:00.000Z');
    expect(transitions).toEqual(['entered: page.viewed: matches page.viewed where path == /pricing ≥ 2 times within 1w']);
  });

  it('does not count events that do not match the property filter', () => {
    const { state } = run(twicePricing, [{ event: pageView('/pricing', '2026-03-01T10:00:00.000Z') }, { event: pageView('/blog', '2026-03-02T10:00:00.000Z') }]);

    expect(state?.member).toBe(false);
  });

  it('asks to be reviewed when the older of the two views leaves the window, and exits then', () => {
    const entered = run(twicePricing, [{ event: pageView('/pricing', '2026-03-01T10:00:00.000Z') }, { event: pageView('/pricing', '2026-03-03T10:00:00.000Z') }]);
    expect(entered.state?.reviewAt).toBe('2026-03-08T10:00:00.000Z');

    const lapsed = evaluateSegment(twicePricing, entered.state, contact(), { kind: 'window', at: '2026-03-08T10:00:00.000Z' });

    expect(lapsed.state?.member).toBe(false);
    expect(lapsed.transition?.kind).toBe('exited');
    expect(lapsed.transition?.reason).toMatch(/^a time window ended: no longer matches/);
  });

  it('remembers only the latest N events, so its state stays small', () => {
    const views = Array.from({ length: 20 }, (_, i) => ({ event: pageView('/pricing', `2026-03-${String(i + 1).padStart(2, '0')}T10:00:00.000Z`) }));

    const { state } = run(twicePricing, views);

    expect(Object.values(state!.memory)).toEqual([['2026-03-20T10:00:00.000Z', '2026-03-19T10:00:00.000Z']]);
  });

  it('never counts a machine click (a link scanner) as engagement', () => {
    const clicked = segment({ id: 'clicked', name: 'Clicked', match: { event: 'email.clicked', within: '30d' } });
    const click = (machine: boolean): TimelineEvent => ({
      eventId: `E${++sequence}`,
      contactId: 'c1',
      occurredAt: '2026-03-01T10:00:00.000Z',
      type: EventName.EmailClicked,
      data: { sendId: 's1', templateId: 't', url: 'https://example.com', machine },
    } as unknown as TimelineEvent);

    expect(run(clicked, [{ event: click(true) }]).state).toBeUndefined();
    expect(run(clicked, [{ event: click(false) }]).state?.member).toBe(true);
  });

  it('counts only events between the dates of a dated condition', () => {
    const attended = segment({ id: 'q4', name: 'Q4', match: { event: 'webinar_attended', between: { from: '2026-10-01', to: '2026-12-31' } } });

    expect(run(attended, [{ event: tracked('webinar_attended', '2026-09-30T23:00:00.000Z') }]).state).toBeUndefined();
    expect(run(attended, [{ event: tracked('webinar_attended', '2026-10-01T09:00:00.000Z') }]).state?.member).toBe(true);
  });
});

describe('membership with "not" and profile conditions', () => {
  const lapsed = segment({
    id: 'lapsed',
    name: 'Lapsed',
    match: { all: [{ where: 'stage == customer' }, { not: { event: 'order_completed', within: '90d' } }] },
  });

  it('leaves on an order and enters again 90 days after it, through the window review', () => {
    const customer = contact({ stage: 'customer' });
    const order = tracked('order_completed', '2026-01-10T12:00:00.000Z');

    const first = run(lapsed, [{ event: tracked('page_viewed_anything', '2026-01-01T00:00:00.000Z') }], customer);
    expect(first.state?.member).toBe(true);
    const ordered = evaluateSegment(lapsed, first.state, customer, { kind: 'event', event: order });
    expect(ordered.transition?.kind).toBe('exited');
    expect(ordered.state?.reviewAt).toBe('2026-04-10T12:00:00.000Z');

    const back = evaluateSegment(lapsed, ordered.state, customer, { kind: 'window', at: '2026-04-10T12:00:00.000Z' });

    expect(back.transition).toEqual({ kind: 'entered', reason: 'a time window ended: matches stage == customer; not order_completed within 90d' });
    expect(back.state?.reviewAt).toBeUndefined();
  });

  it('reads consent per topic, and an unsubscribe from everything ends every topic', () => {
    const subscribers = segment({ id: 'news', name: 'News', match: { where: 'consent.newsletter == subscribed' } });
    const at = '2026-01-01T00:00:00.000Z';
    const subscribed = contact({ subscriptions: { newsletter: { status: 'subscribed', at, source: 'form' } } });
    const leftAll = contact({ subscriptions: { newsletter: { status: 'subscribed', at, source: 'form' }, all: { status: 'unsubscribed', at, source: 'preferences' } } });
    const event = tracked('x', at);

    expect(evaluateSegment(subscribers, undefined, subscribed, { kind: 'event', event }).state?.member).toBe(true);
    expect(evaluateSegment(subscribers, undefined, leftAll, { kind: 'event', event }).state).toBeUndefined();
  });

  it('keeps nothing for a contact who is not a member and has no remembered behaviour', () => {
    const news = segment({ id: 'news', name: 'News', match: { where: 'consent.newsletter == subscribed' } });

    const evaluation = evaluateSegment(news, undefined, contact(), { kind: 'event', event: tracked('x', '2026-01-01T00:00:00.000Z') });

    expect(evaluation).toEqual({ state: undefined, changed: false });
  });
});

describe('the segment rule', () => {
  const segments = new Map(
    [
      segment({ id: 'pricing', name: 'Pricing', match: { event: 'page.viewed', where: ['path == /pricing'] } }),
      segment({ id: 'orders', name: 'Orders', match: { event: 'order_completed' } }),
      segment({ id: 'scored', name: 'Scored', match: { where: 'score >= 30' } }),
      segment({ id: 'never-ordered', name: 'Never ordered', match: { not: { event: 'order_completed' } } }),
    ].map((s) => [s.id, s]),
  );
  const index = indexSegments(segments);

  it('re-evaluates only the segments an event can change', () => {
    expect(affectedBy(index, pageView('/pricing', '2026-01-01T00:00:00.000Z'))).toEqual(['pricing']);
    expect(affectedBy(index, tracked('order_completed', '2026-01-01T00:00:00.000Z'))).toEqual(['orders', 'never-ordered']);
    expect(affectedBy(index, tracked('something_else', '2026-01-01T00:00:00.000Z'))).toEqual([]);
    const scoreChanged = { ...tracked('x', '2026-01-01T00:00:00.000Z'), type: EventName.ScoreChanged } as unknown as TimelineEvent;
    expect(affectedBy(index, scoreChanged)).toEqual(['scored']);
  });

  it('evaluates profile segments, and a segment that holds without any behaviour, when the contact is created or changed', () => {
    const submitted = { ...tracked('x', '2026-01-01T00:00:00.000Z'), type: EventName.FormSubmitted } as unknown as TimelineEvent;

    expect(affectedBy(index, submitted)).toEqual(['scored', 'never-ordered']);
  });

  it('writes the state and appends segment.entered with a deterministic id on entering', () => {
    const view = pageView('/pricing', '2026-01-01T00:00:00.000Z');

    const decisions = segmentRule(segments)({ event: view, contact: contact(), segmentStates: [] });

    expect(decisions.map((d) => d.type)).toEqual(['SaveSegmentState', 'AppendEvent']);
    expect(decisions[1]).toMatchObject({ event: { eventId: `${view.eventId}.segment-entered.pricing`, type: 'segment.entered', data: { segmentId: 'pricing', causeEventId: view.eventId } } });
  });

  it('counts a segment.entered event towards the day and the segment size', () => {
    const entered = { eventId: 'E1.segment-entered.pricing', contactId: 'c1', occurredAt: '2026-01-01T00:00:00.000Z', type: EventName.SegmentEntered, data: { segmentId: 'pricing', reason: 'r' } } as TimelineEvent;

    const decisions = segmentRule(segments)({ event: entered, contact: contact(), segmentStates: [] });

    expect(decisions).toEqual([
      expect.objectContaining({ type: 'CountMetric', metric: 'segment.pricing', day: '2026-01-01', counts: { entered: 1 } }),
      expect.objectContaining({ type: 'CountMetric', metric: 'segment.pricing', day: 'current', counts: { size: 1 } }),
    ]);
  });

  it('hands changes past the per-reaction limit to a segment.review_due event, so the transaction stays under 100 items', () => {
    const many = new Map(Array.from({ length: 40 }, (_, i) => segment({ id: `s${i}`, name: `S${i}`, match: { where: 'budget >= 100' } })).map((s) => [s.id, s]));
    const submitted = { ...tracked('x', '2026-01-01T00:00:00.000Z'), type: EventName.FormSubmitted } as unknown as TimelineEvent;

    const decisions = segmentRule(many)({ event: submitted, contact: contact({ attributes: { budget: 500 } }), segmentStates: [] });

    expect(decisions.filter((d) => d.type === 'SaveSegmentState')).toHaveLength(MAX_CHANGES_PER_REACTION);
    const review = decisions.find((d) => d.type === 'AppendEvent' && d.event.type === EventName.SegmentReviewDue);
    expect(review).toMatchObject({ event: { data: { segmentIds: Array.from({ length: 10 }, (_, i) => `s${i + 30}`) } } });
  });
});

describe('a new contact, stored without a stage', () => {
  it('reads as the funnel\'s initial stage, so "stage < sql" holds for it', () => {
    const prospects = new Map([segment({ id: 'prospects', name: 'Prospects', match: { where: 'stage < sql' } })].map((s) => [s.id, s]));
    const submitted = { ...tracked('x', '2026-01-01T00:00:00.000Z'), type: EventName.FormSubmitted } as unknown as TimelineEvent;
    const stageRank = (stage: string) => ['subscriber', 'lead', 'mql', 'sql'].indexOf(stage);

    const decisions = segmentRule(prospects, stageRank, 'subscriber')({ event: submitted, contact: contact(), segmentStates: [] });

    expect(decisions.find((d) => d.type === 'SaveSegmentState')).toMatchObject({ state: { member: true } });
  });
});
