import { ExecutionAbortedError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import * as z from 'zod';
import type { Contact } from '../../functions/shared/contact';
import { evaluate, parseCondition, type Condition, type Resolve, type StageRank } from '../../functions/shared/conditions';
import { formatDuration, parseDuration } from '../../functions/shared/durations';
import { successors, type Journey, type StepOf } from '../../functions/journeys/domain/journey-file';
import { RESUME_ENTRY } from '../../functions/journeys/domain/versions';
import { contactSubject, eventMatches } from '../../functions/shared/contact-matching';
import type { JourneyWait, Membership } from '../../functions/journeys/domain/membership';
import { exitReason, journeyInput } from '../../functions/journeys/domain/rules';
import { makeJourneyStep } from '../../functions/journeys/journey-step';
import type { JourneyStore, WebhookSender } from '../../functions/journeys/ports';
import { EventName } from '../../functions/shared/events';
import type { Logger } from '../../functions/shared/logger';
import type { ContactUpdatedData } from '../../functions/journeys/events';
import type { TimelineEvent } from '../../functions/shared/timeline';
import { describeFieldErrors, fieldErrors } from '../../functions/shared/validation';
import { checkGuards, type RecentSend } from '../../functions/email/domain/guards';
import type { CompiledEmails } from '../../functions/email/domain/settings';
import { emails as shippedEmails } from '../../functions/email/templates';
import { armForSend } from '../../functions/experiments/arm-for-send';
import type { Experiment } from '../../functions/experiments/domain/experiment-file';
import { experiments as shippedExperiments } from '../../functions/experiments/experiment-content';
import { HOLDOUT_ARM, HOLDOUT_SKIP_REASON, type ExperimentRef } from '../../functions/shared/experiment-ref';
import { lifecycle } from '../../functions/scoring/domain/content';
import { nextStage } from '../../functions/scoring/domain/stages';
import { compileJourney, type AslDefinition } from './compiler';
import { checkSmsGuards, parseQuietHours, smsTimeZoneOf, type QuietHours } from '../../functions/sms/domain/guards';
import { SmsRenderer } from '../../functions/sms/domain/render-sms';
import { smsCost } from '../../functions/sms/domain/sms-prices';
import type { SmsTemplateFile } from '../../functions/sms/domain/sms-template';
import { smsTemplates as shippedSmsTemplates } from '../../functions/sms/sms-templates';
import { countryOfPhone } from '../../functions/shared/phone-number';
import './promise-with-resolvers';

/**
 * The journey simulator: runs a journey's compiled ASL in the same engine the local runtime uses, on a virtual
 * clock (waits take no time), with the real step logic (branches, date and window waits, contact updates) over an
 * in-memory contact and a script of events. Sends, hand-offs and webhooks are recorded, never made.
 */

/** A scripted event: when it happens (relative to the start, `+2d`, or ISO) and what it is. */
export const SimulatedEvent = z.union([
  z.strictObject({ at: z.string(), event: z.string().min(1), properties: z.record(z.string(), z.unknown()).default({}) }),
  z.strictObject({ at: z.string(), type: z.string().regex(/\./, 'a timeline event type such as email.clicked'), data: z.record(z.string(), z.unknown()).default({}) }),
]);
export type SimulatedEvent = z.input<typeof SimulatedEvent>;

export const SimulatedContact = z.strictObject({
  contactId: z.string().default('SIMULATED'),
  email: z.string().default('simulated@example.com'),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  stage: z.string().optional(),
  tags: z.array(z.string()).optional(),
  score: z.object({ fit: z.number(), behaviour: z.number(), total: z.number() }).partial().optional(),
  subscriptions: z.record(z.string(), z.object({ status: z.enum(['subscribed', 'unsubscribed', 'pending']) })).optional(),
  /** The mobile number texts would go to (E.164), and SMS consent by topic. */
  phone: z.string().optional(),
  smsSubscriptions: z.record(z.string(), z.object({ status: z.enum(['subscribed', 'unsubscribed']) })).optional(),
  /** The segments the contact is a member of throughout the run (`segments contains hot-leads`). */
  segments: z.array(z.string()).optional(),
});
/**
 * The contact as `simulate` takes it: `{ "attributes": { "budget": 9000 }, "stage": "lead", … }`, or, as a
 * shorthand, flat attributes (`{ "budget": 9000 }`). The shorthand applies only when there is no `attributes` key,
 * and the contact's own fields (`contactId`, `email`, `stage`, `tags`, `score`, `subscriptions`) keep their meaning
 * in it, so each key has one reading. With `attributes`, any other key is refused rather than silently ignored.
 */
export type SimulatedContact = z.input<typeof SimulatedContact> | Readonly<Record<string, unknown>>;

const CONTACT_FIELDS: ReadonlySet<string> = new Set(Object.keys(SimulatedContact.shape));

/** The simulated contact does not have the shape `simulate` expects; the message says which shape that is. */
export class InvalidSimulatedContact extends Error {
  override name = 'InvalidSimulatedContact';
}

export function parseSimulatedContact(raw: unknown): z.infer<typeof SimulatedContact> {
  const shorthand = typeof raw === 'object' && raw !== null && !Array.isArray(raw) && !('attributes' in raw);
  const candidate = shorthand
    ? {
        ...Object.fromEntries(Object.entries(raw).filter(([key]) => CONTACT_FIELDS.has(key))),
        attributes: Object.fromEntries(Object.entries(raw).filter(([key]) => !CONTACT_FIELDS.has(key))),
      }
    : raw;
  const parsed = SimulatedContact.safeParse(candidate);
  if (parsed.success) return parsed.data;
  throw new InvalidSimulatedContact(
    `The contact is not in the expected shape: ${describeFieldErrors(fieldErrors(parsed.error, '(contact)'))}. ` +
      'Expected {"attributes":{"budget":9000}} (with optional "stage", "tags", "email", "contactId", "score", "subscriptions"), ' +
      'or flat attributes without an "attributes" key: {"budget":9000}',
  );
}

export interface SimulationStep {
  /** Virtual time the state was entered. */
  readonly at: string;
  /** Seconds since the start. */
  readonly offsetSeconds: number;
  /** The state's name: a step id, or a step id with a suffix (`.route`, `.deferred?`, `.window`, `.wait`). */
  readonly state: string;
  readonly note?: string;
}

export interface SimulationResult {
  readonly journeyId: string;
  readonly startedAt: string;
  readonly status: 'completed' | 'exited' | 'failed';
  readonly exit?: { readonly reason: string; readonly detail: string; readonly at: string };
  readonly path: readonly SimulationStep[];
  /** Each email that would be sent; with the step's experiment, the contact's arm (the same as the send step's). */
  readonly emails: readonly { readonly at: string; readonly stepId: string; readonly templateId: string; readonly experiment?: ExperimentRef }[];
  /** Sends the guards stopped: unsubscribed, suppressed, frequency cap; and `holdout` for a contact held out of the step's experiment. */
  readonly skipped: readonly { readonly at: string; readonly stepId: string; readonly templateId: string; readonly reason: string; readonly experiment?: ExperimentRef }[];
  /**
   * Each text message that would be sent: the rendered text's encoding and parts, and what it would cost per message
   * (End User Messaging's per-part price to the number's country, sms-prices.ts; an estimate, dated).
   */
  readonly texts: readonly SimulatedText[];
  readonly handOffs: readonly { readonly at: string; readonly stepId: string; readonly reason?: string }[];
  readonly webhooks: readonly { readonly at: string; readonly stepId: string; readonly url: string }[];
}

/** One text a send_sms step would send (or skip: `skipped` with the reason). */
export interface SimulatedText {
  readonly at: string;
  readonly stepId: string;
  readonly templateId: string;
  readonly skipped?: string;
  readonly text?: string;
  readonly encoding?: 'GSM-7' | 'UCS-2';
  readonly parts?: number;
  /** The number's country (ISO), the one priced. */
  readonly country?: string;
  readonly costUsd?: number;
}

export interface SimulateOptions {
  readonly contact: SimulatedContact;
  readonly events?: readonly SimulatedEvent[];
  /** The start (trigger) time. @default now */
  readonly start?: Date;
  readonly stageRank?: StageRank;
  /** Email settings and templates: the same guards as the send step (consent, frequency cap, send window). @default the shipped ones */
  readonly emails?: CompiledEmails;
  /** The experiments a step may name, assigned as the send step assigns them. @default the shipped ones */
  readonly experiments?: ReadonlyMap<string, Experiment>;
  /** SMS templates. @default the shipped ones */
  readonly smsTemplates?: ReadonlyMap<string, SmsTemplateFile>;
  /** Quiet hours of texts (nurture.config.yaml `sms.quietHours`). @default 21:00-08:00 */
  readonly smsQuietHours?: QuietHours;
}

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export async function simulate(journey: Journey, options: SimulateOptions): Promise<SimulationResult> {
  const definition: AslDefinition = compileJourney(journey);
  const start = options.start ?? new Date();
  let now = start.getTime();
  const parsedContact = parseSimulatedContact(options.contact);
  const segments = parsedContact.segments ?? [];
  let contact: Contact = {
    ...parsedContact,
    score: parsedContact.score ? { version: 'simulated', fit: 0, behaviour: 0, total: 0, asOf: start.toISOString(), fitRules: [], contributions: [], ...parsedContact.score } : undefined,
    subscriptions: parsedContact.subscriptions
      ? Object.fromEntries(Object.entries(parsedContact.subscriptions).map(([t, s]) => [t, { ...s, at: start.toISOString(), source: 'simulation' }]))
      : undefined,
    smsSubscriptions: parsedContact.smsSubscriptions
      ? Object.fromEntries(Object.entries(parsedContact.smsSubscriptions).map(([t, s]) => [t, { ...s, at: start.toISOString(), source: 'simulation' }]))
      : undefined,
    createdAt: start.toISOString(),
    updatedAt: start.toISOString(),
  } as Contact;
  const events = (options.events ?? []).map((raw, i) => scripted(SimulatedEvent.parse(raw), i, start, contact.contactId)).sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  const iso = () => new Date(now).toISOString();
  /** The contact as of the virtual now: a double opt-in confirmed by then (`consent.confirmed`) is subscribed. */
  const current = (): Contact => {
    const confirmed = events.flatMap((e) => (e.type === EventName.ConsentConfirmed && Date.parse(e.occurredAt) <= now ? [{ topic: e.data.topic, at: e.occurredAt }] : []));
    if (!confirmed.length) return contact;
    const subscriptions = { ...contact.subscriptions };
    for (const { topic, at } of confirmed) subscriptions[topic] = { status: 'subscribed', at, source: 'double-opt-in' };
    return { ...contact, subscriptions };
  };

  const path: SimulationStep[] = [];
  const emails: { at: string; stepId: string; templateId: string; experiment?: ExperimentRef }[] = [];
  const skipped: { at: string; stepId: string; templateId: string; reason: string; experiment?: ExperimentRef }[] = [];
  const recent: RecentSend[] = [];
  const mail = options.emails ?? shippedEmails;
  const texts: SimulatedText[] = [];
  const smsRenderer = new SmsRenderer(options.smsTemplates ?? shippedSmsTemplates, { address: mail.settings.physicalAddress, website: mail.settings.website });
  const handOffs: { at: string; stepId: string; reason?: string }[] = [];
  const webhooks: { at: string; stepId: string; url: string }[] = [];
  let exit: SimulationResult['exit'];
  const note = (text: string) => {
    const index = clockLog.length - 1;
    notes.set(index, notes.has(index) ? `${notes.get(index)}; ${text}` : text);
  };

  let abortRun: () => void = () => undefined;
  /**
   * Whether an event up to the virtual now (or the contact itself, for condition goals) ends the journey; if so
   * the run is stopped, as the reactor's StopExecution would.
   */
  const exited = (): boolean => {
    for (const event of events.filter((e) => Date.parse(e.occurredAt) <= now)) {
      const reason = exitReason(event, journey, contact, options.stageRank, segments);
      if (reason) exit ??= { ...reason, at: event.occurredAt };
    }
    const conditionGoals = journey.goals.filter((goal) => 'text' in goal);
    if (!exit && conditionGoals.length) {
      const probe = { type: EventName.JourneyEntered, data: {} } as unknown as TimelineEvent;
      const reason = exitReason(probe, { ...journey, goals: conditionGoals }, contact, options.stageRank, segments);
      if (reason) exit = { ...reason, at: iso() };
    }
    if (exit) abortRun();
    return exit !== undefined;
  };
  /**
   * Tasks reached after the journey exited never finish while the run lasts, as a stopped execution's would not;
   * they fail once it is over (below), so the engine clears its timer for each (the step's timeout: days, for a wait).
   */
  const parked: ((error: Error) => void)[] = [];
  let over = false;
  const simulationOver = () => Object.assign(new Error('simulation over'), { name: 'States.Aborted' });
  const never = () => (over ? Promise.reject(simulationOver()) : new Promise<never>((_, reject) => parked.push(reject)));

  let pendingWait: JourneyWait | undefined;
  let lastUntil: string | undefined;
  /** Virtual entry times of Task and Wait states, in order; Choice and terminal states take the last one. */
  const clockLog: { state: string; at: number; end?: number; note?: string }[] = [];
  const notes = new Map<number, string>();
  const store: JourneyStore = {
    contact: async () => current(),
    memberSegments: async () => [...segments],
    eventsSince: async (_id, since) => events.filter((e) => e.occurredAt >= since && Date.parse(e.occurredAt) <= now).reverse(),
    membership: async () => undefined as Membership | undefined,
    putWait: async (_id, wait) => {
      pendingWait = wait;
    },
    putConfirmationWait: async (_id, wait, topic) => {
      if (current().subscriptions?.[topic]?.status !== 'pending') return 'NotPending';
      pendingWait = wait;
      return 'Registered';
    },
    updateContact: async (_id, change: ContactUpdatedData) => {
      const attributes = { ...contact.attributes, ...change.set };
      for (const name of change.cleared) delete attributes[name];
      const tags = new Set(contact.tags ?? []);
      change.addedTags.forEach((t) => tags.add(t));
      change.removedTags.forEach((t) => tags.delete(t));
      contact = { ...contact, attributes, tags: [...tags].sort(), updatedAt: iso() };
      if (change.stage) {
        // The reactor's lifecycle rules, as they would run on the step's contact.updated event.
        const event = { eventId: 'SIMULATED', contactId: contact.contactId, occurredAt: iso(), type: EventName.ContactUpdated, data: change } as TimelineEvent;
        const moved = nextStage(lifecycle, contact.stage, event, { fit: contact.score?.fit ?? 0, total: contact.score?.total ?? 0 }, false);
        if (moved) contact = { ...contact, stage: moved.to };
        note(moved ? `stage ${moved.from} → ${moved.to}` : `stays ${contact.stage ?? lifecycle.initial}: the funnel does not move back to ${change.stage}`);
      }
      return 'Updated';
    },
    // Only a journey's own exit (a double opt-in never confirmed) finishes it from inside.
    finish: async (_contactId, _journeyId, _executionName, status, event) => {
      if (status === 'exited' && event.type === EventName.JourneyExited) exit ??= { reason: event.data.reason, detail: event.data.detail ?? '', at: event.occurredAt };
    },
    append: async () => 'Appended',
    savedResponse: async () => undefined,
    saveResponse: async () => undefined,
  };
  const webhookSender: WebhookSender = { post: async () => ({ status: 200 }) };
  const step = makeJourneyStep({ store, webhooks: webhookSender, clock: { now: () => new Date(now) }, logger: silent, ...(options.stageRank ? { stageRank: options.stageRank } : {}) });

  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [stateName, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task') continue;
    handlers[stateName] = async (raw) => {
      const entry: { state: string; at: number; end?: number } = { state: stateName, at: now };
      clockLog.push(entry);
      try {
        return await runTask(raw);
      } finally {
        entry.end = now;
      }
    };
    const runTask = async (raw: unknown): Promise<unknown> => {
      if (exited()) return never();
      const resource = String(state.Resource);
      const input = (resource.includes('waitForTaskToken') ? (raw as { Payload: Record<string, unknown> }).Payload : raw) as Record<string, unknown>;
      const withNow = { ...input, now: iso() };
      if (resource === '${sendEmail}') {
        // The contact's arm, as the send step picks it: a hash of the experiment and contact ids, so the same here.
        const arm = typeof input.experimentId === 'string' ? armForSend(options.experiments ?? shippedExperiments, input.experimentId, parsedContact.contactId, String(input.templateId)) : undefined;
        const templateId = arm?.templateId ?? String(input.templateId);
        const ref = arm ? { experiment: arm.experiment } : {};
        const template = mail.templates.find((t) => t.id === templateId);
        if (!template) throw Object.assign(new Error(`no template ${templateId}`), { name: 'UnknownTemplate' });
        const guard = checkGuards({ contact: current(), template: template.meta, recent, settings: mail.settings, now: new Date(now) });
        if (guard.type === 'Defer') {
          note(`outside the send window: waits until ${guard.until}`);
          lastUntil = guard.until;
          return { outcome: 'deferred', until: guard.until };
        }
        if (guard.type === 'Skip' && guard.reason === 'unconfirmed' && input.awaitConfirmation === true && template.meta.kind === 'marketing') {
          note(`the ${template.meta.topic} double opt-in is pending: waits for consent.confirmed`);
          return { outcome: 'unconfirmed', topic: template.meta.topic };
        }
        if (guard.type === 'Skip') {
          skipped.push({ at: iso(), stepId: String(input.stepId), templateId, reason: guard.reason, ...ref });
          note(`skipped ${templateId}: ${guard.reason}`);
          return { outcome: 'skipped', reason: guard.reason };
        }
        if (arm?.experiment.arm === HOLDOUT_ARM) {
          skipped.push({ at: iso(), stepId: String(input.stepId), templateId, reason: HOLDOUT_SKIP_REASON, ...ref });
          note(`held out of experiment ${arm.experiment.id}: sends nothing`);
          return { outcome: 'skipped', reason: HOLDOUT_SKIP_REASON };
        }
        emails.push({ at: iso(), stepId: String(input.stepId), templateId, ...ref });
        if (template.meta.kind === 'marketing') recent.push({ at: iso(), sendId: `simulated-${emails.length}` });
        note(arm ? `would send ${templateId} (experiment ${arm.experiment.id}, arm ${arm.experiment.arm})` : `would send ${templateId}`);
        return { outcome: 'sent', messageId: `simulated-${emails.length}` };
      }
      if (resource === '${sendSms}') {
        const templateId = String(input.templateId);
        const stepId = String(input.stepId);
        const who = current();
        const guard = checkSmsGuards({
          contact: who,
          topic: typeof input.topic === 'string' ? input.topic : undefined,
          // The account's opt-out list is not simulated: a STOP shows as SMS consent withdrawn.
          optedOut: false,
          recent,
          frequencyCap: mail.settings.frequencyCap,
          quietHours: options.smsQuietHours ?? parseQuietHours('21:00-08:00'),
          timeZone: smsTimeZoneOf(who, journey.timezone),
          now: new Date(now),
        });
        if (guard.type === 'Defer') {
          note(`inside quiet hours: waits until ${guard.until}`);
          lastUntil = guard.until;
          return { outcome: 'deferred', until: guard.until };
        }
        if (guard.type === 'Skip') {
          texts.push({ at: iso(), stepId, templateId, skipped: guard.reason });
          note(`skipped text ${templateId}: ${guard.reason}`);
          return { outcome: 'skipped', reason: guard.reason };
        }
        const rendered = smsRenderer.render(templateId, who);
        const country = countryOfPhone(who.phone!) ?? 'ZZ';
        const costUsd = smsCost(country, rendered.parts.parts);
        texts.push({ at: iso(), stepId, templateId, text: rendered.text, encoding: rendered.parts.encoding, parts: rendered.parts.parts, country, costUsd });
        recent.push({ at: iso(), sendId: `simulated-text-${texts.length}` });
        note(`would text ${templateId}: ${rendered.parts.parts} part(s), ${rendered.parts.encoding}, $${costUsd} to ${country}`);
        return { outcome: 'sent', messageId: `simulated-text-${texts.length}` };
      }
      if (resource === '${handOff}') {
        handOffs.push({ at: iso(), stepId: String(input.stepId), ...(input.reason ? { reason: String(input.reason) } : {}) });
        note('would hand off to the CRM');
        return { outcome: 'handed_off', crmId: 'simulated', provider: 'simulation' };
      }
      if (input.op === 'webhook') {
        webhooks.push({ at: iso(), stepId: String(input.stepId), url: String(input.url) });
        note(`would call ${String(input.url)}`);
        return { outcome: 'delivered', status: 200 };
      }
      const waitsForEvent = input.op === 'registerWait' || input.op === 'awaitConfirmation';
      const output = (await step({ ...withNow, ...(waitsForEvent ? { taskToken: 'simulated' } : {}) })) as Record<string, unknown>;
      if (input.op === 'branch') {
        const index = journey.steps.findIndex((s) => s.id === input.stepId);
        note(explainBranch(journey.steps[index] as StepOf<'branch'>, Number(output.index), successors(journey, index).at(-1), contactSubject(contact, segments), options.stageRank));
      }
      if (input.op === 'waitUntil') {
        note(String(output.reason));
        lastUntil = String(output.until);
      }
      if (waitsForEvent && pendingWait) {
        const wait = pendingWait;
        pendingWait = undefined;
        const deadline = now + Number(input.timeoutSeconds) * 1_000;
        const where = wait.where.map((text) => {
          const c = parseCondition(text);
          if ('error' in c) throw new Error(c.error);
          return c;
        });
        const hit = events.find((e) => Date.parse(e.occurredAt) > now - 1 && Date.parse(e.occurredAt) <= deadline && eventMatches(e, wait.event, where, options.stageRank));
        const goalOrExit = events.find((e) => Date.parse(e.occurredAt) > now && Date.parse(e.occurredAt) <= Math.min(deadline, hit ? Date.parse(hit.occurredAt) : deadline) && exitReason(e, journey, contact, options.stageRank, segments));
        if (goalOrExit) {
          now = Date.parse(goalOrExit.occurredAt);
          if (exited()) return never();
        }
        if (hit) {
          now = Math.max(now, Date.parse(hit.occurredAt));
          note(`${wait.event} happened at ${hit.occurredAt}`);
          return { happened: true, eventId: hit.eventId, type: hit.type, occurredAt: hit.occurredAt };
        }
        now = deadline;
        note(`${wait.event} did not happen within the timeout`);
        throw Object.assign(new Error('timed out'), { name: 'States.Timeout' });
      }
      return output;
    };
  }

  // Waits take no real time: the virtual clock jumps by the wait's duration (or to the `until` a step computed).
  const waits = new Proxy({} as Record<string, number>, {
    get: (_target, stateName) => {
      const state = typeof stateName === 'string' ? definition.States[stateName] : undefined;
      if (!state || state.Type !== 'Wait') return undefined;
      const seconds = typeof state.Seconds === 'number' ? state.Seconds : Math.max(0, (Date.parse(lastUntil ?? iso()) - now) / 1_000);
      const entry = { state: String(stateName), at: now, end: now + seconds * 1_000, note: `wait ${formatDuration(Math.round(seconds))}` };
      clockLog.push(entry);
      now = entry.end;
      return 0;
    },
  });

  // The execution timeout (a year) is the real engine's business; here no real time passes.
  const { TimeoutSeconds: _timeout, ...untimed } = definition;
  const machine = new StateMachine(untimed as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
  const input = journeyInput(journey, contact.contactId, `${journey.id}-${contact.contactId}-SIMULATION`, {
    eventId: 'SIMULATION',
    contactId: contact.contactId,
    occurredAt: start.toISOString(),
    type: EventName.JourneyEnrollmentRequested,
    data: { journeyId: journey.id, source: 'webhook' },
  });
  const run = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides: waits, retryIntervalOverrides: Object.fromEntries(Object.keys(handlers).map((k) => [k, 0])) },
    context: { Execution: { Id: 'simulation', Name: input.executionName, StartTime: start.toISOString(), Input: input as never }, Task: { Token: 'simulated' }, State: { EnteredTime: 'simulated' } },
  });
  abortRun = run.abort;
  const entered: string[] = [];
  const logs = (async () => {
    for await (const event of run.eventLogs) if (event.type === 'StateEntered') entered.push(event.state.name);
  })();
  let status: SimulationResult['status'] = 'completed';
  try {
    await run.result;
    if (exit) status = 'exited';
  } catch (error) {
    status = exit || error instanceof ExecutionAbortedError ? 'exited' : 'failed';
  }
  await logs;
  over = true;
  for (const reject of parked.splice(0)) reject(simulationOver());
  let cursor = 0;
  let at = start.getTime();
  for (const state of entered) {
    // The entry a migrated contact starts at routes a fresh entry straight to the first step: no step of the path.
    if (state === RESUME_ENTRY) continue;
    let entryNote: string | undefined;
    const logged = clockLog.findIndex((entry, i) => i >= cursor && entry.state === state);
    if (logged >= 0) {
      at = clockLog[logged]!.at;
      const end = clockLog[logged]!.end;
      entryNote = [clockLog[logged]!.note, notes.get(logged)].filter(Boolean).join('; ') || undefined;
      cursor = logged + 1;
      path.push({ at: new Date(at).toISOString(), offsetSeconds: Math.round((at - start.getTime()) / 1_000), state, ...(entryNote ? { note: entryNote } : {}) });
      at = end ?? at;
      continue;
    }
    path.push({ at: new Date(at).toISOString(), offsetSeconds: Math.round((at - start.getTime()) / 1_000), state });
  }
  return { journeyId: journey.id, startedAt: start.toISOString(), status, ...(exit ? { exit } : {}), path, emails, skipped, texts, handOffs, webhooks };
}

/**
 * Why a branch went where it did, with the contact's values: `budget (9000) >= 5000: hand-off-to-sales`, or
 * `no case holds (budget 2000): otherwise nurture-1`.
 */
export function explainBranch(step: StepOf<'branch'>, index: number, otherwise: string | undefined, resolve: Resolve, stageRank?: StageRank): string {
  const value = (subject: string) => {
    const actual = resolve(subject);
    if (actual === undefined || actual === null || actual === '') return 'missing';
    return Array.isArray(actual) ? `[${actual.join(', ')}]` : String(actual);
  };
  const describe = (w: StepOf<'branch'>['cases'][number]['when'][number]) =>
    'text' in w ? `${w.subject} (${value(w.subject)}) ${w.op}${w.value === undefined ? '' : ` ${Array.isArray(w.value) ? `[${w.value.join(', ')}]` : String(w.value)}`}` : `${w.happened} happened within ${formatDuration(w.within)}`;
  const chosen = step.cases[index];
  if (chosen) return `${chosen.when.map(describe).join(' and ')}: ${chosen.next}`;
  // For each case, the first condition that failed: what kept the contact out of it.
  const misses = step.cases.flatMap((c) => {
    const failed = c.when.find((w): w is Condition => 'text' in w && !evaluate(w, resolve, stageRank)) ?? c.when.find((w) => !('text' in w));
    if (!failed) return [];
    return ['text' in failed ? `${failed.subject} ${value(failed.subject)}` : `no ${failed.happened} within ${formatDuration(failed.within)}`];
  });
  const unique = [...new Set(misses)];
  return `no case holds${unique.length ? ` (${unique.join(', ')})` : ''}: otherwise ${otherwise ?? 'end'}`;
}

function scripted(raw: z.infer<typeof SimulatedEvent>, index: number, start: Date, contactId: string): TimelineEvent {
  const relative = /^\+/.test(raw.at) ? parseDuration(raw.at.slice(1)) : undefined;
  const at = relative !== undefined ? new Date(start.getTime() + relative * 1_000) : new Date(raw.at);
  if (Number.isNaN(at.getTime())) throw new Error(`event ${index + 1}: "at" is "+<duration>" (e.g. +2d) or an ISO time`);
  const envelope = { eventId: `SIM${String(index).padStart(4, '0')}`, contactId, occurredAt: at.toISOString() };
  // Scripted events are shaped like timeline events for the matchers; only type and data are read.
  return ('event' in raw
    ? { ...envelope, type: EventName.Tracked, data: { event: raw.event, properties: raw.properties } }
    : { ...envelope, type: raw.type, data: raw.data }) as unknown as TimelineEvent;
}
