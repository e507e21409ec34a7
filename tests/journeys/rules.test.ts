import { describe, expect, it } from 'vitest';
import type { Contact } from '../../functions/shared/contact';
import { loadJourneys, type Journey } from '../../functions/journeys/domain/journey-file';
import type { DateIndexEntry, JourneyWait, Membership } from '../../functions/journeys/domain/membership';
import { entryCheck, journeyRules } from '../../functions/journeys/domain/rules';
import { journeys as shipped } from '../../functions/journeys/journeys';
import type { Decision, ReactorState } from '../../functions/capabilities';
import { replay } from '../../functions/capabilities';
import { stageRankOf } from '../../functions/scoring/domain/content';
import { EventName } from '../../functions/shared/events';
import type { TimelineEvent } from '../../functions/shared/timeline';

const CONTACT_ID = '01JCONTACT0000000000000000';
const rules = journeyRules(shipped, stageRankOf);

function contactWith(overrides: Partial<Contact> = {}): Contact {
  return { contactId: CONTACT_ID, email: 'ada@acme.example', attributes: {}, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', ...overrides };
}

let sequence = 0;
/** A timeline event of this contact at a time, with a fresh id. */
function eventOf(type: string, data: Record<string, unknown>, occurredAt = '2026-11-24T12:00:00.000Z'): TimelineEvent {
  sequence += 1;
  return { eventId: `01JEVENT${String(sequence).padStart(18, '0')}`, contactId: CONTACT_ID, occurredAt, type, data } as TimelineEvent;
}

const events = {
  form: (formId: string, fields: Record<string, string | number> = {}, at?: string) =>
    eventOf(EventName.FormSubmitted, { formId, fields: { email: 'ada@acme.example', ...fields }, utm: {} }, at),
  tracked: (event: string, properties: Record<string, unknown> = {}) => eventOf(EventName.Tracked, { event, properties }),
  unsubscribed: (topic: string) => eventOf(EventName.EmailUnsubscribed, { topic, source: 'one-click' }),
  bounced: (permanent: boolean) =>
    eventOf(EventName.EmailBounced, { messageId: 'm-1', templateId: 'nurture-1', bounceType: permanent ? 'Permanent' : 'Transient', permanent }),
  complained: () => eventOf(EventName.EmailComplained, { messageId: 'm-1', templateId: 'nurture-1' }),
  clicked: (templateId: string, machine = false) =>
    eventOf(EventName.EmailClicked, { messageId: 'm-1', templateId, url: 'https://acme.example/demo', linkIndex: 0, machine }),
  stageChanged: (to: string) => eventOf(EventName.StageChanged, { from: 'mql', to, reason: 'score' }),
  enrolment: (journeyId: string, source: 'webhook' | 'date', attribute?: string, date = '2026-11-27') =>
    eventOf(EventName.JourneyEnrollmentRequested, { journeyId, source, ...(attribute ? { attribute, date } : {}) }),
};

function membershipOf(overrides: Partial<Membership> = {}): Membership {
  return {
    journeyId: 'budget-router',
    executionName: `budget-router-${CONTACT_ID}-01JEARLIER`,
    status: 'running',
    entries: 1,
    enteredAt: '2026-11-20T12:00:00.000Z',
    ...overrides,
  };
}

function waitFor(templateId: string): JourneyWait {
  return {
    journeyId: 'budget-router',
    executionName: `budget-router-${CONTACT_ID}-01JEARLIER`,
    stepId: 'wait-click-1',
    event: 'email.clicked',
    where: [`templateId == ${templateId}`],
    taskToken: 'token-of-wait-click-1',
    createdAt: '2026-11-21T12:00:00.000Z',
    expiresAt: 1_800_000_000,
  };
}

function decide(state: Partial<ReactorState> & { event: TimelineEvent }, journeyRule = rules): Decision[] {
  return [...journeyRule({ contact: contactWith(), ...state })];
}

const about = (journeyId: string) => (d: Decision) => ('journeyId' in d && d.journeyId === journeyId) || ('membership' in d && d.membership.journeyId === journeyId) || (d.type === 'AppendEvent' && (d.event.data as { journeyId?: string }).journeyId === journeyId);

/** A journey of its own for one test, loaded as a file would be. */
function journeysWith(file: Record<string, unknown>): ReadonlyMap<string, Journey> {
  return loadJourneys({ 'j.yaml': { id: 'j', name: 'J', steps: [{ id: 'hello', type: 'send_email', template: 'welcome' }], ...file } });
}

describe('enrolling contacts', () => {
  it('starts budget-router on a demo request, records the membership and appends journey.entered with the version entered', () => {
    // Prepare
    const submitted = events.form('demo-request', { budget: 2000 });

    // Act
    const decisions = decide({ event: submitted }).filter(about('budget-router'));

    // Assess
    const executionName = `budget-router-${CONTACT_ID}-${submitted.eventId}`;
    expect(decisions).toEqual([
      {
        type: 'StartJourney',
        journeyId: 'budget-router',
        executionName,
        input: {
          contactId: CONTACT_ID,
          journeyId: 'budget-router',
          executionName,
          bucket: expect.any(Number),
          trigger: { eventId: submitted.eventId, type: EventName.FormSubmitted, occurredAt: submitted.occurredAt },
        },
      },
      {
        type: 'RecordMembership',
        contactId: CONTACT_ID,
        membership: { journeyId: 'budget-router', executionName, status: 'running', entries: 1, enteredAt: submitted.occurredAt, version: shipped.get('budget-router')!.version },
      },
      {
        type: 'AppendEvent',
        event: {
          eventId: `${submitted.eventId}.enter.budget-router`,
          contactId: CONTACT_ID,
          occurredAt: submitted.occurredAt,
          type: EventName.JourneyEntered,
          data: { journeyId: 'budget-router', executionName, triggerEventId: submitted.eventId, entry: 1, version: shipped.get('budget-router')!.version },
        },
      },
    ]);
  });

  it('names the execution after the triggering event, so a redelivered event asks for the same execution', () => {
    const submitted = events.form('demo-request', { budget: 2000 });

    const first = decide({ event: submitted });
    const again = decide({ event: submitted });

    expect(again).toEqual(first);
  });

  it('puts a contact in the same split bucket every time', () => {
    const start = (d: Decision[]) => d.find((x) => x.type === 'StartJourney') as Extract<Decision, { type: 'StartJourney' }>;

    const a = start(decide({ event: events.form('demo-request') }));
    const b = start(decide({ event: events.form('demo-request') }));

    expect(a.input.bucket).toBe(b.input.bucket);
    expect(a.input.bucket).toBeGreaterThanOrEqual(0);
    expect(a.input.bucket).toBeLessThan(100);
  });

  it('does not start budget-router on another form', () => {
    const decisions = decide({ event: events.form('newsletter') });

    expect(decisions.filter(about('budget-router'))).toEqual([]);
    expect(decisions.filter(about('welcome')).map((d) => d.type)).toEqual(['StartJourney', 'RecordMembership', 'AppendEvent']);
  });

  it('does not enrol when the trigger\'s field condition fails', () => {
    // Prepare
    const rule = journeyRules(journeysWith({ triggers: [{ on: 'form_submitted', form: 'demo-request', where: ['budget < 5000'] }] }));

    // Act
    const big = decide({ event: events.form('demo-request', { budget: 9000 }) }, rule);
    const small = decide({ event: events.form('demo-request', { budget: 2000 }) }, rule);

    // Assess
    expect(big).toEqual([]);
    expect(small.map((d) => d.type)).toEqual(['StartJourney', 'RecordMembership', 'AppendEvent']);
  });

  it('starts cart-recovery on a tracked checkout_started event', () => {
    const decisions = decide({ event: events.tracked('checkout_started', { cart: 'c-1' }) });

    expect(decisions.filter(about('cart-recovery')).map((d) => d.type)).toEqual(['StartJourney', 'RecordMembership', 'AppendEvent']);
  });

  it('starts a journey enrolled through the webhook, and only a journey that has a webhook trigger', () => {
    expect(decide({ event: events.enrolment('budget-router', 'webhook') }).map((d) => d.type)).toEqual(['StartJourney', 'RecordMembership', 'AppendEvent']);
    expect(decide({ event: events.enrolment('cart-recovery', 'webhook') })).toEqual([]);
  });

  it('starts trial-expiry when the sweep asks for its date trigger', () => {
    const contact = contactWith({ attributes: { trial_ends_at: '2026-11-27' } });

    const decisions = decide({ event: events.enrolment('trial-expiry', 'date', 'trial_ends_at'), contact });

    expect(decisions.filter(about('trial-expiry')).map((d) => d.type)).toEqual(['StartJourney', 'RecordMembership', 'AppendEvent']);
  });

  it('does not start a date journey from a stale index: the date was cleared or moved after the sweep read it', () => {
    // Prepare: the sweep found trial_ends_at on 2026-11-27
    const request = events.enrolment('trial-expiry', 'date', 'trial_ends_at', '2026-11-27');
    const indexed: DateIndexEntry[] = [{ attribute: 'trial_ends_at', date: '2026-11-27' }];

    // Act
    const cleared = decide({ event: request, dateIndex: indexed });
    const moved = decide({ event: request, contact: contactWith({ attributes: { trial_ends_at: '2026-12-27' } }), dateIndex: indexed });

    // Assess: no enrolment; the index follows the contact's current value
    expect(cleared.filter((d) => d.type === 'StartJourney')).toEqual([]);
    expect(moved.filter((d) => d.type === 'StartJourney')).toEqual([]);
    expect(cleared).toEqual([{ type: 'IndexDate', contactId: CONTACT_ID, attribute: 'trial_ends_at', date: null }]);
  });

  it('starts a yearly birthday journey on the birthday\'s month and day, whatever the year of birth', () => {
    // Prepare: the sweep asks with this year's date of the birthday
    const rule = journeyRules(journeysWith({ triggers: [{ on: 'date', attribute: 'birthday', yearly: true }] }));
    const request = events.enrolment('j', 'date', 'birthday', '2026-11-24');

    // Act
    const born = (birthday: string) => decide({ event: request, contact: contactWith({ attributes: { birthday } }), dateIndex: [{ attribute: 'birthday', date: birthday.slice(0, 10) }] }, rule);

    // Assess
    expect(born('1990-11-24').map((d) => d.type)).toEqual(['StartJourney', 'RecordMembership', 'AppendEvent']);
    expect(born('1990-11-24T00:00:00Z').map((d) => d.type)).toEqual(['StartJourney', 'RecordMembership', 'AppendEvent']);
    expect(born('1990-11-25')).toEqual([]);
  });

  it('starts a journey on entering its trigger stage, not on entering another', () => {
    const rule = journeyRules(journeysWith({ triggers: [{ on: 'stage_entered', stage: 'mql' }] }));

    const entered = decide({ event: events.stageChanged('mql'), contact: contactWith({ stage: 'mql' }) }, rule);
    const other = decide({ event: events.stageChanged('sql'), contact: contactWith({ stage: 'sql' }) }, rule);

    expect(entered.map((d) => d.type)).toEqual(['StartJourney', 'RecordMembership', 'AppendEvent']);
    expect(other).toEqual([]);
  });

  it('does not enrol a contact who is already running through the journey', () => {
    const decisions = decide({ event: events.form('demo-request'), memberships: [membershipOf()] });

    expect(decisions.filter((d) => d.type === 'StartJourney')).toEqual([]);
  });

  it('enrols a contact in a once-only journey only once', () => {
    const decisions = decide({
      event: events.form('newsletter'),
      memberships: [membershipOf({ journeyId: 'welcome', executionName: 'welcome-x', status: 'completed' })],
    });

    expect(decisions).toEqual([]);
  });

  it('lets a contact back into a cool-down journey only after the cool-down', () => {
    // Prepare: budget-router admits a contact again 30 days after the last entry
    const finished = membershipOf({ status: 'completed', enteredAt: '2026-11-01T00:00:00.000Z', entries: 1 });

    // Act
    const tooSoon = decide({ event: events.form('demo-request', {}, '2026-11-20T00:00:00.000Z'), memberships: [finished] });
    const later = decide({ event: events.form('demo-request', {}, '2026-12-02T00:00:00.000Z'), memberships: [finished] });

    // Assess
    expect(tooSoon.filter((d) => d.type === 'StartJourney')).toEqual([]);
    expect(later.find((d) => d.type === 'RecordMembership')).toMatchObject({ membership: { status: 'running', entries: 2 } });
  });

  it('explains why a contact may not enter', () => {
    const journey = shipped.get('budget-router')!;
    const at = '2026-11-24T12:00:00.000Z';

    expect(entryCheck(journey, contactWith(), membershipOf(), at)).toEqual({ type: 'AlreadyEnrolled' });
    expect(entryCheck(journey, contactWith(), membershipOf({ status: 'exited', enteredAt: '2026-11-20T12:00:00.000Z' }), at)).toEqual({
      type: 'NotEligible',
      reason: 'cool-down until 2026-12-20T12:00:00.000Z',
    });
    expect(entryCheck(journey, contactWith({ suppressed: { reason: 'bounce', at } }), undefined, at)).toEqual({ type: 'NotEligible', reason: 'suppressed (bounce)' });
    expect(
      entryCheck(journey, contactWith({ subscriptions: { nurture: { status: 'unsubscribed', at, source: 'one-click' } } }), undefined, at),
    ).toEqual({ type: 'NotEligible', reason: 'unsubscribed from nurture' });
    expect(entryCheck(journey, contactWith(), undefined, at)).toEqual({ type: 'Eligible' });
  });

  it('does not enrol a contact who has already reached a condition goal such as stage >= sql', () => {
    const journey = shipped.get('budget-router')!;
    const at = '2026-11-24T12:00:00.000Z';

    expect(entryCheck(journey, contactWith({ stage: 'sql' }), undefined, at, stageRankOf)).toEqual({
      type: 'NotEligible',
      reason: 'goal already reached: stage >= sql',
    });
    expect(entryCheck(journey, contactWith({ stage: 'lead' }), undefined, at, stageRankOf)).toEqual({ type: 'Eligible' });
  });

  it('does not enrol a contact who fails the entry conditions', () => {
    const rule = journeyRules(journeysWith({ triggers: [{ on: 'event', event: 'signed_up' }], entry: { where: ['country == fr'] } }));

    expect(decide({ event: events.tracked('signed_up'), contact: contactWith({ attributes: { country: 'DE' } }) }, rule)).toEqual([]);
    expect(decide({ event: events.tracked('signed_up'), contact: contactWith({ attributes: { country: 'FR' } }) }, rule)).toHaveLength(3);
  });
});

describe('exiting journeys', () => {
  const running = [membershipOf()];

  it('exits a running journey when the contact unsubscribes from its topic', () => {
    // Prepare
    const unsubscribe = events.unsubscribed('nurture');

    // Act
    const decisions = decide({ event: unsubscribe, memberships: running });

    // Assess
    const { executionName } = running[0]!;
    expect(decisions).toEqual([
      { type: 'StopJourney', journeyId: 'budget-router', executionName, reason: 'unsubscribed from nurture' },
      {
        type: 'RecordMembership',
        contactId: CONTACT_ID,
        membership: { ...running[0], status: 'exited', endedAt: unsubscribe.occurredAt, endReason: 'unsubscribed' },
      },
      {
        type: 'AppendEvent',
        event: {
          eventId: `${unsubscribe.eventId}.exit.budget-router`,
          contactId: CONTACT_ID,
          occurredAt: unsubscribe.occurredAt,
          type: EventName.JourneyExited,
          data: { journeyId: 'budget-router', executionName, reason: 'unsubscribed', detail: 'unsubscribed from nurture' },
        },
      },
    ]);
  });

  it('exits a running journey when the contact unsubscribes from everything', () => {
    const decisions = decide({ event: events.unsubscribed('all'), memberships: running });

    expect(decisions.map((d) => d.type)).toEqual(['StopJourney', 'RecordMembership', 'AppendEvent']);
  });

  it('keeps the journey running when the contact unsubscribes from another topic', () => {
    expect(decide({ event: events.unsubscribed('product'), memberships: running })).toEqual([]);
  });

  it('exits on a hard bounce and on a complaint, not on a soft bounce', () => {
    expect(decide({ event: events.bounced(true), memberships: running }).find((d) => d.type === 'AppendEvent')).toMatchObject({
      event: { data: { reason: 'bounced', detail: 'hard bounce' } },
    });
    expect(decide({ event: events.complained(), memberships: running }).find((d) => d.type === 'AppendEvent')).toMatchObject({
      event: { data: { reason: 'complained' } },
    });
    expect(decide({ event: events.bounced(false), memberships: running })).toEqual([]);
  });

  it('exits budget-router when the contact books a demo (its goal event)', () => {
    const decisions = decide({ event: events.tracked('demo_booked'), memberships: running });

    expect(decisions.map((d) => d.type)).toEqual(['StopJourney', 'RecordMembership', 'AppendEvent']);
    expect(decisions[0]).toMatchObject({ reason: 'event demo_booked' });
    expect(decisions[1]).toMatchObject({ membership: { status: 'exited', endReason: 'goal' } });
  });

  it('exits budget-router when the contact reaches sql (its goal condition), not before', () => {
    const atSql = decide({ event: events.stageChanged('sql'), contact: contactWith({ stage: 'sql' }), memberships: running });
    const atMql = decide({ event: events.stageChanged('mql'), contact: contactWith({ stage: 'mql' }), memberships: running });

    expect(atSql[0]).toMatchObject({ type: 'StopJourney', reason: 'stage >= sql' });
    expect(atMql).toEqual([]);
  });

  it('does not exit on the journey\'s own bookkeeping events', () => {
    const entered = eventOf(EventName.JourneyEntered, { journeyId: 'budget-router', executionName: 'x', triggerEventId: 'y', entry: 1 });

    expect(decide({ event: entered, contact: contactWith({ stage: 'sql' }), memberships: running })).toEqual([]);
  });

  it('forgets the exiting execution\'s waits in the same decisions, and leaves other executions\' waits alone', () => {
    // Prepare: budget-router waits for a click; another journey's execution waits too
    const other: JourneyWait = { ...waitFor('nurture-1'), journeyId: 'cart-recovery', executionName: 'cart-recovery-x', stepId: 'wait-order' };

    // Act
    const decisions = decide({ event: events.unsubscribed('nurture'), memberships: running, waits: [waitFor('nurture-1'), other] });

    // Assess
    expect(decisions.map((d) => d.type)).toEqual(['StopJourney', 'RecordMembership', 'AppendEvent', 'DeleteWait']);
    expect(decisions[3]).toEqual({ type: 'DeleteWait', contactId: CONTACT_ID, executionName: running[0]!.executionName, stepId: 'wait-click-1' });
  });

  it('does not resume an execution that the same event stops', () => {
    // Prepare: a wait for demo_booked, which is also budget-router's goal
    const wait: JourneyWait = { ...waitFor('nurture-1'), event: 'demo_booked', where: [] };

    // Act
    const decisions = decide({ event: events.tracked('demo_booked'), memberships: running, waits: [wait] });

    // Assess
    expect(decisions.map((d) => d.type)).toEqual(['StopJourney', 'RecordMembership', 'AppendEvent', 'DeleteWait']);
  });

  it('does not stop journeys that already ended', () => {
    const decisions = decide({ event: events.unsubscribed('all'), memberships: [membershipOf({ status: 'completed' })] });

    expect(decisions).toEqual([]);
  });
});

describe('resuming waits for events', () => {
  it('resumes an execution waiting for a click on nurture-1 and forgets the wait', () => {
    // Prepare
    const click = events.clicked('nurture-1');

    // Act
    const decisions = decide({ event: click, waits: [waitFor('nurture-1')] });

    // Assess
    expect(decisions).toEqual([
      {
        type: 'ResumeJourney',
        taskToken: 'token-of-wait-click-1',
        output: { happened: true, eventId: click.eventId, type: EventName.EmailClicked, occurredAt: click.occurredAt },
      },
      { type: 'DeleteWait', contactId: CONTACT_ID, executionName: `budget-router-${CONTACT_ID}-01JEARLIER`, stepId: 'wait-click-1' },
    ]);
  });

  it('does not resume on a click on another email', () => {
    expect(decide({ event: events.clicked('nurture-2'), waits: [waitFor('nurture-1')] })).toEqual([]);
  });

  it('does not resume on a click a link scanner made', () => {
    expect(decide({ event: events.clicked('nurture-1', true), waits: [waitFor('nurture-1')] })).toEqual([]);
  });
});

describe('recycled leads', () => {
  const recycle = journeyRules(shipped, stageRankOf, { recycleJourney: 'budget-router' });
  const recycled = (occurredAt = '2026-11-24T12:00:00.000Z') =>
    eventOf('stage.changed', { from: 'mql', to: 'recycled', reason: 'CRM feedback: rejected' }, occurredAt);

  it('restarts the recycle journey from the top even within its cool-down, with a proper enrolment', () => {
    const event = recycled();
    const decisions = decide({ event, contact: contactWith({ stage: 'recycled' }), memberships: [membershipOf({ status: 'completed', enteredAt: '2026-11-20T12:00:00.000Z' })] }, recycle);

    const start = decisions.find((d) => d.type === 'StartJourney');
    expect(start).toMatchObject({ journeyId: 'budget-router', executionName: `budget-router-${CONTACT_ID}-${event.eventId}` });
    expect(start && 'input' in start ? start.input : {}).toMatchObject({ contactId: CONTACT_ID, journeyId: 'budget-router', bucket: expect.any(Number) });
    expect(decisions.find((d) => d.type === 'RecordMembership')).toMatchObject({ membership: { status: 'running', entries: 2 } });
  });

  it('stops a run still in progress before starting again, and says why', () => {
    const decisions = decide({ event: recycled(), contact: contactWith({ stage: 'recycled' }), memberships: [membershipOf({ status: 'running' })] }, recycle);

    expect(decisions.map((d) => d.type)).toEqual(['StopJourney', 'AppendEvent', 'StartJourney', 'RecordMembership', 'AppendEvent']);
    expect(decisions[1]).toMatchObject({ event: { type: 'journey.exited', data: { reason: 'recycled' } } });
  });
});

describe('indexing date attributes for the daily sweep', () => {
  it('indexes trial_ends_at when it appears', () => {
    const decisions = decide({ event: events.tracked('x'), contact: contactWith({ attributes: { trial_ends_at: '2026-12-01' } }) });

    expect(decisions).toEqual([{ type: 'IndexDate', contactId: CONTACT_ID, attribute: 'trial_ends_at', date: '2026-12-01' }]);
  });

  it('indexes the day of an ISO timestamp', () => {
    const decisions = decide({ event: events.tracked('x'), contact: contactWith({ attributes: { trial_ends_at: '2026-12-01T18:30:00Z' } }) });

    expect(decisions).toEqual([{ type: 'IndexDate', contactId: CONTACT_ID, attribute: 'trial_ends_at', date: '2026-12-01' }]);
  });

  it('writes nothing when the indexed date did not change', () => {
    const indexed: DateIndexEntry[] = [{ attribute: 'trial_ends_at', date: '2026-12-01' }];

    expect(decide({ event: events.tracked('x'), contact: contactWith({ attributes: { trial_ends_at: '2026-12-01' } }), dateIndex: indexed })).toEqual([]);
  });

  it('moves the index when the date changes', () => {
    const indexed: DateIndexEntry[] = [{ attribute: 'trial_ends_at', date: '2026-12-01' }];

    const decisions = decide({ event: events.tracked('x'), contact: contactWith({ attributes: { trial_ends_at: '2026-12-15' } }), dateIndex: indexed });

    expect(decisions).toEqual([{ type: 'IndexDate', contactId: CONTACT_ID, attribute: 'trial_ends_at', date: '2026-12-15' }]);
  });

  it('removes the index when the date disappears or stops being a date', () => {
    const indexed: DateIndexEntry[] = [{ attribute: 'trial_ends_at', date: '2026-12-01' }];

    expect(decide({ event: events.tracked('x'), dateIndex: indexed })).toEqual([{ type: 'IndexDate', contactId: CONTACT_ID, attribute: 'trial_ends_at', date: null }]);
    expect(decide({ event: events.tracked('x'), contact: contactWith({ attributes: { trial_ends_at: 'soon' } }), dateIndex: indexed })).toEqual([
      { type: 'IndexDate', contactId: CONTACT_ID, attribute: 'trial_ends_at', date: null },
    ]);
  });
});

describe('replaying a timeline', () => {
  it('makes the same decisions every time, from the events\' own times', () => {
    // Prepare
    const contact = contactWith({ attributes: { budget: 2000 } });
    const timeline = [
      events.form('demo-request', { budget: 2000 }, '2026-11-01T09:00:00.000Z'),
      events.tracked('checkout_started'),
      events.clicked('nurture-1'),
      events.unsubscribed('all'),
    ];

    // Act
    const first = replay(contact, timeline, [rules]);
    const second = replay(contact, [...timeline].reverse(), [rules]);

    // Assess
    expect(second).toEqual(first);
    expect(first.filter((d) => d.type === 'StartJourney').map((d) => (d as { journeyId: string }).journeyId)).toEqual(['budget-router', 'cart-recovery']);
  });
});
