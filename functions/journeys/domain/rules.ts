import type { Contact } from '../../shared/contact';
import { bucketOf } from '../../shared/hash';
import { EventName } from '../../shared/events';
import type { TimelineEvent } from '../../shared/timeline';
import { memberSegmentIds } from '../../shared/segment-membership';
import type { ReactorState as StateOf, Rule as RuleOf } from '../../reactor/domain/decisions';
import type { JourneyDecision as Decision, JourneyState } from './decisions';
import { all, parseCondition, type Condition, type StageRank } from '../../shared/conditions';
import type { Journey, Trigger } from './journey-file';
import { contactSubject, eventMatches } from '../../shared/contact-matching';
import { executionNameFor, type Membership } from './membership';

type ReactorState = StateOf<JourneyState>;
type Rule = RuleOf<JourneyState, Decision>;

/**
 * The journeys' reactor rules, pure: on every new event,
 * 1. exit: stop the contact's running journeys on an unsubscribe (from all, or the journey's topic), a hard
 *    bounce, a complaint, or a goal reached, and forget their waits;
 * 2. resume: hand the event to executions waiting for it (not to one it stops);
 * 3. enrol: start every journey whose trigger the event matches and whose entry rules let the contact in;
 * 4. index the date attributes date triggers sweep on.
 * Time comes from the event (`occurredAt`), never a clock, so a replay decides the same.
 */
export interface JourneyRuleOptions {
  /**
   * The journey recycled leads go back to (content/lifecycle.yaml `recycle.journey`): entering `recycled`
   * (re)starts it from the top, whatever its entry mode, stopping a run still in progress.
   */
  readonly recycleJourney?: string;
}

export function journeyRules(journeys: ReadonlyMap<string, Journey>, stageRank?: StageRank, options: JourneyRuleOptions = {}): Rule {
  const dateAttributes = [
    ...new Set([...journeys.values()].flatMap((j) => j.triggers.flatMap((t) => (t.on === 'date' ? [t.attribute] : [])))),
  ];
  return (state) => {
    const exiting = exits(state, journeys, stageRank);
    const restarting = recycling(state, journeys, options.recycleJourney);
    const stopped = new Set([...exiting, ...restarting].flatMap((d) => (d.type === 'StopJourney' ? [d.executionName] : [])));
    return [
      ...exiting,
      ...resumes(state, stopped, stageRank),
      ...enrolments(state, journeys, stageRank),
      ...restarting,
      ...dateIndex(state, dateAttributes),
    ];
  };
}

/**
 * Forgets the waits of an execution being stopped, in the same transaction as its exit: left behind, each would
 * match later events and cost a SendTaskSuccess to an execution that no longer runs.
 */
function forgetWaits({ contact, waits = [] }: ReactorState, executionName: string): Decision[] {
  return waits
    .filter((wait) => wait.executionName === executionName)
    .map((wait) => ({ type: 'DeleteWait', contactId: contact.contactId, executionName, stepId: wait.stepId }));
}

/** A lead sales sent back (`stage.changed` to `recycled`) starts the recycle journey again from the top. */
function recycling(state: ReactorState, journeys: ReadonlyMap<string, Journey>, journeyId: string | undefined): Decision[] {
  const { event, contact, memberships = [] } = state;
  if (!journeyId || event.type !== EventName.StageChanged || event.data.to !== 'recycled') return [];
  const journey = journeys.get(journeyId);
  if (!journey || contact.suppressed) return [];
  const membership = memberships.find((m) => m.journeyId === journeyId);
  const restart: Decision[] =
    membership?.status === 'running'
      ? [
          { type: 'StopJourney', journeyId, executionName: membership.executionName, reason: 'recycled: restarting' },
          {
            type: 'AppendEvent',
            event: {
              eventId: derivedId(event.eventId, 'exit', journeyId),
              contactId: contact.contactId,
              occurredAt: event.occurredAt,
              type: EventName.JourneyExited,
              data: { journeyId, executionName: membership.executionName, reason: 'recycled', detail: 'sales sent the lead back to nurture' },
            },
          },
          ...forgetWaits(state, membership.executionName),
        ]
      : [];
  return [...restart, ...enrol(journey, contact, event, membership)];
}

/** Why an event ends a journey for its contact, if it does. */
export function exitReason(event: TimelineEvent, journey: Journey, contact: Contact, stageRank?: StageRank, segments: readonly string[] = []): { reason: 'goal' | 'unsubscribed' | 'bounced' | 'complained'; detail: string } | undefined {
  if (event.type === EventName.EmailUnsubscribed && (event.data.topic === 'all' || event.data.topic === journey.topic)) {
    return { reason: 'unsubscribed', detail: `unsubscribed from ${event.data.topic}` };
  }
  if (event.type === EventName.ContactUpserted) {
    // Consent withdrawn through the contacts API (a CRM sync, an import) ends the journey as an unsubscribe does.
    const withdrawn = event.data.consents.find((c) => (c.channel ?? 'email') === 'email' && c.status === 'unsubscribed' && (c.topic === 'all' || c.topic === journey.topic));
    if (withdrawn) return { reason: 'unsubscribed', detail: `unsubscribed from ${withdrawn.topic} (${withdrawn.basis}: ${withdrawn.source})`.slice(0, 500) };
  }
  if (event.type === EventName.EmailBounced && event.data.permanent) return { reason: 'bounced', detail: 'hard bounce' };
  if (event.type === EventName.EmailComplained) return { reason: 'complained', detail: 'spam complaint' };
  for (const goal of journey.goals) {
    if ('text' in goal) {
      if (all([goal], contactSubject(contact, segments), stageRank)) return { reason: 'goal', detail: goal.text };
    } else if (eventMatches(event, goal.event, goal.where, stageRank)) {
      return { reason: 'goal', detail: `event ${goal.event}` };
    }
  }
  return undefined;
}

function exits(state: ReactorState, journeys: ReadonlyMap<string, Journey>, stageRank?: StageRank): Decision[] {
  const { event, contact, memberships = [] } = state;
  // The journey's own bookkeeping events never end it.
  if (event.type.startsWith('journey.')) return [];
  return memberships
    .filter((membership) => membership.status === 'running')
    .flatMap((membership) => {
      const journey = journeys.get(membership.journeyId);
      const exit = journey && exitReason(event, journey, contact, stageRank, memberSegmentIds(state.segmentMemberships));
      if (!exit) return [];
      return [
        { type: 'StopJourney', journeyId: membership.journeyId, executionName: membership.executionName, reason: exit.detail },
        {
          type: 'RecordMembership',
          contactId: contact.contactId,
          membership: { ...membership, status: 'exited', endedAt: event.occurredAt, endReason: exit.reason },
        },
        {
          type: 'AppendEvent',
          event: {
            eventId: derivedId(event.eventId, 'exit', membership.journeyId),
            contactId: contact.contactId,
            occurredAt: event.occurredAt,
            type: EventName.JourneyExited,
            data: { journeyId: membership.journeyId, executionName: membership.executionName, reason: exit.reason, detail: exit.detail },
          },
        },
        ...forgetWaits(state, membership.executionName),
      ] satisfies Decision[];
    });
}

/** Executions waiting for this event resume, except those the same event stops. */
function resumes({ event, contact, waits = [] }: ReactorState, stopped: ReadonlySet<string>, stageRank?: StageRank): Decision[] {
  return waits
    .filter((wait) => !stopped.has(wait.executionName) && eventMatches(event, wait.event, wait.where.map(condition), stageRank))
    .flatMap((wait): Decision[] => [
      {
        type: 'ResumeJourney',
        taskToken: wait.taskToken,
        output: { happened: true, eventId: event.eventId, type: event.type, occurredAt: event.occurredAt },
      },
      { type: 'DeleteWait', contactId: contact.contactId, executionName: wait.executionName, stepId: wait.stepId },
    ]);
}

function enrolments(state: ReactorState, journeys: ReadonlyMap<string, Journey>, stageRank?: StageRank): Decision[] {
  const { event, contact } = state;
  return [...journeys.values()].flatMap((journey) => {
    if (!journey.triggers.some((trigger) => triggerMatches(trigger, event, journey, contact, stageRank))) return [];
    const membership = (state.memberships ?? []).find((m) => m.journeyId === journey.id);
    const eligibility = entryCheck(journey, contact, membership, event.occurredAt, stageRank, memberSegmentIds(state.segmentMemberships));
    if (eligibility.type !== 'Eligible') return [];
    return enrol(journey, contact, event, membership);
  });
}

/** Whether a trigger fires on this event (webhook and date enrolments arrive as `journey.enrollment_requested`). */
export function triggerMatches(trigger: Trigger, event: TimelineEvent, journey: Journey, contact: Contact, stageRank?: StageRank): boolean {
  switch (trigger.on) {
    case 'form_submitted':
      return event.type === EventName.FormSubmitted && event.data.formId === trigger.form && eventMatches(event, EventName.FormSubmitted, trigger.where, stageRank);
    case 'event':
      return eventMatches(event, trigger.event, trigger.where, stageRank);
    case 'stage_entered':
      return event.type === EventName.StageChanged && event.data.to === trigger.stage;
    case 'segment_entered':
      return event.type === EventName.SegmentEntered && event.data.segmentId === trigger.segment;
    case 'segment_exited':
      return event.type === EventName.SegmentExited && event.data.segmentId === trigger.segment;
    case 'webhook':
      return event.type === EventName.JourneyEnrollmentRequested && event.data.journeyId === journey.id && event.data.source === 'webhook';
    case 'date':
      return (
        event.type === EventName.JourneyEnrollmentRequested &&
        event.data.journeyId === journey.id &&
        event.data.source === 'date' &&
        event.data.attribute === trigger.attribute &&
        dateStillHolds(contact.attributes[trigger.attribute], event.data.date, trigger.yearly)
      );
  }
}

export type Eligibility =
  | { readonly type: 'Eligible' }
  | { readonly type: 'AlreadyEnrolled' }
  | { readonly type: 'NotEligible'; readonly reason: string };

/** The entry rules: never twice at a time, once ever or after a cool-down, entry conditions, not opted out. */
export function entryCheck(journey: Journey, contact: Contact, membership: Membership | undefined, at: string, stageRank?: StageRank, segments: readonly string[] = []): Eligibility {
  if (membership?.status === 'running') return { type: 'AlreadyEnrolled' };
  if (membership && journey.entry.mode === 'once') return { type: 'NotEligible', reason: 'this journey admits a contact once' };
  if (membership && journey.entry.mode === 'cooldown') {
    const again = Date.parse(membership.enteredAt) + (journey.entry.cooldown ?? 0) * 1_000;
    if (Date.parse(at) < again) return { type: 'NotEligible', reason: `cool-down until ${new Date(again).toISOString()}` };
  }
  if (contact.suppressed) return { type: 'NotEligible', reason: `suppressed (${contact.suppressed.reason})` };
  const subscriptions = contact.subscriptions ?? {};
  if (subscriptions.all?.status === 'unsubscribed' || (journey.topic && subscriptions[journey.topic]?.status === 'unsubscribed')) {
    return { type: 'NotEligible', reason: `unsubscribed from ${journey.topic ?? 'all'}` };
  }
  const failing = journey.entry.where.find((c) => !all([c], contactSubject(contact, segments), stageRank));
  if (failing) return { type: 'NotEligible', reason: `entry condition not met: ${failing.text}` };
  // A contact who already meets a condition goal (`stage >= sql`) would only be stopped at their next event.
  const reached = journey.goals.find((goal) => 'text' in goal && all([goal], contactSubject(contact, segments), stageRank));
  if (reached && 'text' in reached) return { type: 'NotEligible', reason: `goal already reached: ${reached.text}` };
  return { type: 'Eligible' };
}

/** The decisions that enrol a contact: start the execution, record the membership, append `journey.entered`. */
export function enrol(journey: Journey, contact: Contact, trigger: TimelineEvent, membership: Membership | undefined): Decision[] {
  const executionName = executionNameFor(journey.id, contact.contactId, trigger.eventId);
  const entry = (membership?.entries ?? 0) + 1;
  const version = journey.version ? { version: journey.version } : {};
  return [
    {
      type: 'StartJourney',
      journeyId: journey.id,
      executionName,
      input: journeyInput(journey, contact.contactId, executionName, trigger),
    },
    {
      type: 'RecordMembership',
      contactId: contact.contactId,
      membership: { journeyId: journey.id, executionName, status: 'running', entries: entry, enteredAt: trigger.occurredAt, ...version },
    },
    {
      type: 'AppendEvent',
      event: {
        eventId: derivedId(trigger.eventId, 'enter', journey.id),
        contactId: contact.contactId,
        occurredAt: trigger.occurredAt,
        type: EventName.JourneyEntered,
        data: { journeyId: journey.id, executionName, triggerEventId: trigger.eventId, entry, ...version },
      },
    },
  ];
}

/**
 * An execution's input. `bucket` (0–99) is a stable hash of contact and journey: random splits compare against it,
 * so a contact takes the same path however often the journey runs or is simulated.
 */
export function journeyInput(journey: Journey, contactId: string, executionName: string, trigger: TimelineEvent) {
  return {
    contactId,
    journeyId: journey.id,
    executionName,
    bucket: bucketOf(`${contactId}:${journey.id}`, 100),
    trigger: { eventId: trigger.eventId, type: trigger.type, occurredAt: trigger.occurredAt },
  };
}

function dateIndex({ contact, dateIndex: indexed = [] }: ReactorState, attributes: readonly string[]): Decision[] {
  return attributes.flatMap((attribute): Decision[] => {
    const date = dateOf(contact.attributes[attribute]);
    const current = indexed.find((entry) => entry.attribute === attribute)?.date ?? null;
    if (date === current) return [];
    return [{ type: 'IndexDate', contactId: contact.contactId, attribute, date }];
  });
}

/**
 * Whether the contact's date attribute is still the date the sweep found it on. The sweep reads an index the
 * reactor maintains after the fact, so a date cleared or moved since can still be indexed under the old day;
 * this is what keeps such a stale item from enrolling anyone. Yearly triggers compare month and day only.
 */
function dateStillHolds(value: unknown, swept: string | undefined, yearly: boolean): boolean {
  const current = dateOf(value);
  if (current === null || swept === undefined) return false;
  return yearly ? current.slice(5) === swept.slice(5, 10) : current === swept;
}

/** `YYYY-MM-DD` of a date attribute (a date or an ISO timestamp), or null when it is not one. */
export function dateOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = /^(\d{4}-\d{2}-\d{2})(T.*)?$/.exec(value.trim());
  if (!match || Number.isNaN(Date.parse(match[1]!))) return null;
  return match[1]!;
}

/** An id derived from the triggering event's: sorts right after it on the timeline, and is the same on a retry. */
export function derivedId(eventId: string, what: string, journeyId: string): string {
  return `${eventId}.${what}.${journeyId}`;
}

function condition(text: string): Condition {
  const parsed = parseCondition(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}
