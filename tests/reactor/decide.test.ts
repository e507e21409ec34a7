import { describe, expect, it } from 'vitest';
import type { Contact } from '../../functions/shared/contact';
import { decide, replay } from '../../functions/capabilities';
import { isWrite, type Rule } from '../../functions/capabilities';
import { EVENT_COUNTER_SHARDS, countEvents, tally } from '../../functions/reports/domain/metrics';
import type { TimelineEvent } from '../../functions/shared/timeline';

const contact: Contact = {
  contactId: 'C1',
  email: 'ada@example.com',
  attributes: { first_name: 'Ada' },
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
};

const formEvent = (eventId: string, occurredAt: string): TimelineEvent => ({
  eventId,
  contactId: 'C1',
  type: 'form.submitted',
  occurredAt,
  data: { formId: 'demo-request', fields: { email: 'ada@example.com' }, utm: {} },
});

describe('metric rules (reports)', () => {
  it('counts an event under the UTC day it occurred', () => {
    const [decision] = countEvents({ contact, event: formEvent('E1', '2026-11-23T23:59:59.999Z') });

    expect(decision).toMatchObject({ type: 'CountMetric', day: '2026-11-23', metric: 'events.form.submitted' });
  });

  it('puts an event in the same shard every time, and spreads events over every shard', () => {
    const shardOf = (id: string) => countEvents({ contact, event: formEvent(id, '2026-11-23T10:00:00.000Z') })[0]!.shard;
    const ids = Array.from({ length: 200 }, (_, i) => `01JEVENT${String(i).padStart(18, '0')}`);

    expect(ids.map(shardOf)).toEqual(ids.map(shardOf));
    expect(new Set(ids.map(shardOf))).toEqual(new Set(Array.from({ length: EVENT_COUNTER_SHARDS }, (_, i) => i)));
  });
});

describe('decide', () => {
  it('collects the decisions of every rule, writes and calls alike', () => {
    const enrol: Rule = ({ event }) => [{ type: 'StartJourney', journeyId: 'j', executionName: `j-${event.eventId}`, input: {} }];

    const decisions = decide({ contact, event: formEvent('E1', '2026-11-23T10:00:00.000Z') }, [countEvents, enrol]);

    expect(decisions.map((d) => [d.type, isWrite(d)])).toEqual([
      ['CountMetric', true],
      ['StartJourney', false],
    ]);
  });

  it('replays a timeline oldest first with no database, giving one count per event and day', () => {
    const events = [
      formEvent('E3', '2026-11-24T09:00:00.000Z'),
      formEvent('E1', '2026-11-23T09:00:00.000Z'),
      formEvent('E2', '2026-11-23T18:00:00.000Z'),
    ];

    // The metric rule alone: the scoring rule's decisions are tested in tests/scoring.
    const decisions = replay(contact, events, [countEvents]);

    expect(decisions.map((d) => (d.type === 'CountMetric' ? d.day : d.type))).toEqual(['2026-11-23', '2026-11-23', '2026-11-24']);
    expect(tally(decisions)).toEqual(
      new Map([
        ['events.form.submitted 2026-11-23', 2],
        ['events.form.submitted 2026-11-24', 1],
      ]),
    );
  });
});
