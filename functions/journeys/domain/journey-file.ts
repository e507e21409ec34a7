import * as z from 'zod';
import { describeFieldErrors, fieldErrors } from '../../shared/validation';
import { parseCondition, type Condition } from '../../shared/conditions';
import { parseDuration } from '../../shared/durations';

/**
 * A journey file (`statemachines/<id>.yaml`), as marketing operations write it. Step ids are stable: they name
 * the states of the compiled state machine and reach the timeline and the metrics, so they are never renamed.
 */

const id = z.string().regex(/^[a-z][a-z0-9-]{0,23}$/, 'ids are lower-kebab-case, at most 24 characters');
const stepId = z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'step ids are lower-kebab-case, at most 64 characters');

const duration = z
  .string()
  .refine((text) => parseDuration(text) !== undefined, 'a duration is a number and a unit: 30m, 12h, 2d, 1w')
  .transform((text) => parseDuration(text)!);

const positiveDuration = duration.refine((seconds) => seconds > 0, 'must be longer than zero');

const condition = z.string().transform((text, ctx): Condition => {
  const parsed = parseCondition(text);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed;
});
const conditions = z.array(condition).default([]);

const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const hours = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'hours are "HH:MM-HH:MM" in the contact\'s time zone')
  // "22:00-06:00" would never hold and wait for 22:00 even at 02:00: overnight windows are two steps' work.
  .refine((text) => text.slice(0, 5) < text.slice(6), 'the window must start before it ends (no overnight windows)');

/** Local hours and weekdays a contact may receive marketing email in. */
export const SendWindow = z.strictObject({ hours, days: z.array(weekday).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']) });
export type SendWindow = z.infer<typeof SendWindow>;

const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone such as Europe/Paris');

/** What enrols a contact. Each trigger names what it listens to in `on`. */
export const Trigger = z.discriminatedUnion('on', [
  z.strictObject({
    on: z.literal('form_submitted'),
    form: z.string().min(1),
    /** Conditions on the submitted fields, e.g. `budget < 5000`. */
    where: conditions,
  }),
  z.strictObject({
    on: z.literal('event'),
    /** A tracked event's name (`checkout_started`), or a timeline event type (`email.clicked`). */
    event: z.string().min(1),
    /** Conditions on the event's properties. */
    where: conditions,
  }),
  z.strictObject({ on: z.literal('stage_entered'), stage: z.string().min(1) }),
  /** Entering a segment of content/segments/ (`segment.entered`); "in segment X" elsewhere is `segments contains X`. */
  z.strictObject({ on: z.literal('segment_entered'), segment: z.string().min(1) }),
  /** Leaving a segment (`segment.exited`): its window lapsed, or the profile or behaviour no longer match. */
  z.strictObject({ on: z.literal('segment_exited'), segment: z.string().min(1) }),
  /** Enrolment through `POST /journeys/{id}/enrollments` only. */
  z.strictObject({ on: z.literal('webhook') }),
  z.strictObject({
    on: z.literal('date'),
    /** A date attribute of the contact (`trial_ends_at`, `birthday`), `YYYY-MM-DD` or ISO. */
    attribute: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
    /** When, relative to that date: `-3d` is three days before. @default 0d */
    offset: duration.default(0),
    /** Every year on the date's month and day (birthdays, anniversaries). @default false */
    yearly: z.boolean().default(false),
  }),
]);
export type Trigger = z.infer<typeof Trigger>;

const next = stepId.optional();

const SendEmail = z.strictObject({
  id: stepId,
  type: z.literal('send_email'),
  /** The email; with `experiment`, the email of arms that name no template of their own. */
  template: z.string().min(1),
  /** An experiment of content/experiments: each contact gets its arm's template and subject, or nothing (holdout). */
  experiment: z.string().min(1).optional(),
  next,
});
/** One text message (content/sms/<template>.yaml) to the contact's phone, under the journey's `topic` SMS consent. */
const SendSms = z.strictObject({
  id: stepId,
  type: z.literal('send_sms'),
  /** The SMS template's id: `content/sms/<id>.yaml`. */
  template: z.string().min(1),
  next,
});
const Wait = z
  .strictObject({
    id: stepId,
    type: z.literal('wait'),
    duration: positiveDuration,
    /**
     * Count the duration in local calendar days: the wait ends at the midnight that starts the day `duration` days
     * after today (contact's `time_zone`, else the journey's), whatever the time now. `1d` is "tomorrow", so a
     * window wait after it lands on the next day's window even for an afternoon sign-up. @default false
     */
    calendar: z.boolean().default(false),
    next,
  })
  .refine((step) => !step.calendar || step.duration % 86_400 === 0, { message: 'a calendar wait lasts whole days (1d, 2d, 1w)', path: ['duration'] });
const WaitUntil = z
  .strictObject({
    id: stepId,
    type: z.literal('wait_until'),
    /** A date attribute of the contact, optionally offset (`offset: -1d`). */
    attribute: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/).optional(),
    offset: duration.default(0),
    /** The next moment inside these local hours and days (contact's `time_zone`, else the journey's). */
    window: SendWindow.optional(),
    /** A moment, ISO with its offset (`2027-01-15T09:00:00Z`), the same for every contact; once past, no wait. */
    at: z.iso.datetime({ offset: true }).optional(),
    next,
  })
  .refine((step) => [step.attribute, step.window, step.at].filter((v) => v !== undefined).length === 1, {
    message: 'wait_until takes either an attribute or a window, or else a moment (at): exactly one of them',
  });
const WaitForEvent = z.strictObject({
  id: stepId,
  type: z.literal('wait_for_event'),
  /** A tracked event's name or a timeline event type, as in triggers. */
  event: z.string().min(1),
  where: conditions,
  timeout: positiveDuration,
  /** Where to go when the event happens. @default the next step */
  on_event: next,
  /** Where to go when the timeout passes first. @default the next step */
  on_timeout: next,
});
const Branch = z.strictObject({
  id: stepId,
  type: z.literal('branch'),
  /** Tried in order; the first whose conditions all hold wins. */
  cases: z
    .array(
      z.strictObject({
        when: z.array(z.union([condition, z.strictObject({ happened: z.string().min(1), within: positiveDuration, where: conditions })])).min(1),
        next: stepId,
      }),
    )
    .min(1),
  /** When no case holds. @default the next step */
  otherwise: next,
});
const Split = z.strictObject({
  id: stepId,
  type: z.literal('split'),
  paths: z.array(z.strictObject({ percent: z.int().min(1).max(99), next: stepId })).min(2),
});
const UpdateContact = z.strictObject({
  id: stepId,
  type: z.literal('update_contact'),
  set: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/), z.union([z.string(), z.number(), z.boolean()])).default({}),
  clear: z.array(z.string()).default([]),
  add_tags: z.array(z.string().min(1).max(64)).default([]),
  remove_tags: z.array(z.string().min(1).max(64)).default([]),
  /**
   * A lifecycle stage to move the contact to, under the funnel's rules (content/lifecycle.yaml): forward only,
   * except the side stages (`recycled`, `disqualified`), which are explicit moves. Recorded as `stage.changed`.
   */
  stage: z.string().min(1).optional(),
  next,
});
const HandOff = z.strictObject({ id: stepId, type: z.literal('hand_off'), reason: z.string().max(500).optional(), next });
const Webhook = z.strictObject({
  id: stepId,
  type: z.literal('webhook'),
  /** https only (loopback allowed in the local runtime). The body is signed with HMAC-SHA256. */
  url: z.url({ protocol: /^https?$/ }),
  next,
});
const Exit = z.strictObject({ id: stepId, type: z.literal('exit') });

export const Step = z.discriminatedUnion('type', [SendEmail, SendSms, Wait, WaitUntil, WaitForEvent, Branch, Split, UpdateContact, HandOff, Webhook, Exit]);
export type Step = z.infer<typeof Step>;
export type StepOf<T extends Step['type']> = Extract<Step, { type: T }>;

/** How long a journey send waits for a pending double opt-in by default: 30 days, the confirmation link's life. */
export const DEFAULT_CONFIRMATION_WAIT_SECONDS = 30 * 86_400;

/**
 * What happens to the contacts inside a journey when its file changes and a new version goes live. `keep`: they finish
 * on the version they entered (Step Functions keeps it). `migrate`: each contact waiting in an older version moves to
 * the step of the same id in the live one, with what is left of its wait; `map` names where the contacts of a step
 * that no longer exists go (the build fails for a removed step without one). `drain`: they leave with the reason
 * `drained`, and only the live version takes new entries (as under every policy).
 */
export const ChangePolicy = z.enum(['keep', 'migrate', 'drain']);
export type ChangePolicy = z.infer<typeof ChangePolicy>;
const OnChange = z.union([
  ChangePolicy.transform((policy) => ({ policy, map: {} as Record<string, string> })),
  z.strictObject({
    policy: ChangePolicy.default('keep'),
    /** A step of an earlier version that is gone → the step of this version its waiting contacts continue at. */
    map: z.record(stepId, stepId).default({}),
  }),
]);

/** A goal: an event (with conditions) or a condition on the contact (`stage >= sql`). Reaching it ends the journey. */
const Goal = z.union([condition, z.strictObject({ event: z.string().min(1), where: conditions })]);

export const JourneyFile = z
  .strictObject({
    id,
    name: z.string().min(1).max(200),
    description: z.string().max(2_000).default(''),
    /**
     * The marketing topic its emails and text messages belong to: unsubscribing from it (or from all) by email exits
     * the journey; an SMS STOP only ends its text messages (send_sms steps skip, email steps go on).
     */
    topic: z.string().min(1).max(64).optional(),
    /** Waits for send windows fall back to this zone when a contact has no `time_zone`. @default UTC */
    timezone: timeZone.default('UTC'),
    triggers: z.array(Trigger).min(1),
    entry: z
      .strictObject({
        /** `once`: a contact enters at most once ever; `cooldown`: again once `cooldown` has passed since the last entry. */
        mode: z.enum(['once', 'cooldown']).default('once'),
        cooldown: positiveDuration.optional(),
        /** Conditions on the contact at enrolment. */
        where: conditions,
      })
      .default({ mode: 'once', where: [] }),
    /** Reaching any goal ends the journey (unsubscribes and hard bounces always do). */
    goals: z.array(Goal).default([]),
    /**
     * A send to a contact whose double opt-in of the email's topic is still pending waits for `consent.confirmed`
     * of that topic, at most `within`, then sends; unconfirmed by then, the contact exits (`unconfirmed`). Contacts
     * already subscribed never wait. @default { within: 30d } (as long as a confirmation link stays valid)
     */
    await_confirmation: z.strictObject({ within: positiveDuration }).default({ within: DEFAULT_CONFIRMATION_WAIT_SECONDS }),
    steps: z.array(Step).min(1),
    /** What a change of this file does to the contacts inside: `keep`, `migrate` (with a `map`) or `drain`. @default keep */
    on_change: OnChange.default({ policy: 'keep', map: {} }),
  })
  .superRefine((journey, ctx) => {
    if (journey.entry.mode === 'cooldown' && journey.entry.cooldown === undefined) {
      ctx.addIssue({ code: 'custom', path: ['entry', 'cooldown'], message: 'cooldown entry needs a cooldown duration' });
    }
    const ids = journey.steps.map((step) => step.id);
    ids.forEach((stepIdValue, i) => {
      if (ids.indexOf(stepIdValue) !== i) ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `duplicate step id "${stepIdValue}"` });
    });
    journey.steps.forEach((step, i) => {
      for (const [field, target] of targetsOf(step)) {
        if (target !== undefined && !ids.includes(target)) {
          ctx.addIssue({ code: 'custom', path: ['steps', i, ...field], message: `no step "${target}"` });
        }
      }
      if (step.type === 'split') {
        const total = step.paths.reduce((sum, path) => sum + path.percent, 0);
        if (total !== 100) ctx.addIssue({ code: 'custom', path: ['steps', i, 'paths'], message: `percentages add up to ${total}, not 100` });
      }
    });
    for (const [from, to] of Object.entries(journey.on_change.map)) {
      if (ids.includes(from)) ctx.addIssue({ code: 'custom', path: ['on_change', 'map', from], message: `step "${from}" still exists: its contacts stay on it, so it needs no mapping` });
      if (!ids.includes(to)) ctx.addIssue({ code: 'custom', path: ['on_change', 'map', from], message: `no step "${to}"` });
    }
  });
export type JourneyFile = z.infer<typeof JourneyFile>;
/** A journey as the functions hold it: its file, and, once compiled, its version (lib/journeys/journey-version.ts). */
export type Journey = JourneyFile & { readonly version?: string };

/** Every step id a step may go to, with the field that names it. */
export function targetsOf(step: Step): [(string | number)[], string | undefined][] {
  switch (step.type) {
    case 'branch':
      return [...step.cases.map((c, i): [(string | number)[], string] => [['cases', i, 'next'], c.next]), [['otherwise'], step.otherwise]];
    case 'split':
      return step.paths.map((p, i) => [['paths', i, 'next'], p.next]);
    case 'wait_for_event':
      return [[['on_event'], step.on_event], [['on_timeout'], step.on_timeout]];
    case 'exit':
      return [];
    default:
      return [[['next'], step.next]];
  }
}

/** The steps a step can go to, with the list order's default filled in; `undefined` is the journey's end. */
export function successors(journey: Journey, index: number): (string | undefined)[] {
  const step = journey.steps[index]!;
  const following = journey.steps[index + 1]?.id;
  switch (step.type) {
    case 'exit':
      return [];
    case 'branch':
      return [...step.cases.map((c) => c.next), step.otherwise ?? following];
    case 'split':
      return step.paths.map((p) => p.next);
    case 'wait_for_event':
      return [step.on_event ?? following, step.on_timeout ?? following];
    default:
      return [step.next ?? following];
  }
}

/** Parses journey files, failing with the file name, the path inside it and what is wrong. */
export function loadJourneys(files: Record<string, unknown>): ReadonlyMap<string, Journey> {
  const journeys = new Map<string, Journey>();
  for (const [file, content] of Object.entries(files)) {
    const parsed = JourneyFile.safeParse(content);
    if (!parsed.success) {
      throw new Error(`Journey file ${file} is invalid: ${describeFieldErrors(fieldErrors(parsed.error, '(journey)'))}`);
    }
    if (journeys.has(parsed.data.id)) throw new Error(`Journey id "${parsed.data.id}" is declared twice (${file})`);
    journeys.set(parsed.data.id, parsed.data);
  }
  return journeys;
}
