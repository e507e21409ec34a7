import * as z from 'zod';
import { EventName } from '../shared/events';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { JourneyTaskContext } from '../shared/tasks';
import type { TimelineEvent } from '../shared/timeline';
import { describeFieldErrors, fieldErrors } from '../shared/validation';
import { all, parseCondition, type Condition, type StageRank } from '../shared/conditions';
import { formatDuration } from '../shared/durations';
import { SendWindow } from './domain/journey-file';
import { contactSubject, eventMatches } from '../shared/contact-matching';
import { dateOf } from './domain/rules';
import { dateInZone, localParts, nextWindowOpening, zonedTime, zoneOr } from './domain/time';
import type { JourneyStore, WebhookSender } from './ports';

/** A condition as the compiler writes it into a task's parameters: parsed again here, with the same parser. */
const conditionText = z.string().transform((text, ctx): Condition => {
  const parsed = parseCondition(text);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed;
});

const Happened = z.object({ happened: z.string(), withinSeconds: z.number().positive(), where: z.array(conditionText) });

/** Every operation of the journey step function, as compiled Task states call it. */
export const JourneyStepInput = z.discriminatedUnion('op', [
  JourneyTaskContext.extend({ op: z.literal('branch'), cases: z.array(z.object({ when: z.array(z.union([conditionText, Happened])) })) }),
  JourneyTaskContext.extend({
    op: z.literal('waitUntil'),
    attribute: z.string().optional(),
    offsetSeconds: z.number().default(0),
    window: SendWindow.optional(),
    /** A moment, the same for every contact (ISO with its offset). */
    at: z.string().optional(),
    /** A calendar wait: until the local midnight that starts the day this many days after today. */
    calendarDays: z.int().positive().optional(),
    timezone: z.string(),
  }),
  JourneyTaskContext.extend({
    op: z.literal('registerWait'),
    event: z.string(),
    where: z.array(z.string()),
    timeoutSeconds: z.number().positive(),
    taskToken: z.string().min(1),
  }),
  JourneyTaskContext.extend({
    op: z.literal('awaitConfirmation'),
    /** The topic whose double opt-in is pending (the send step's `unconfirmed` answer names it). */
    topic: z.string().min(1),
    timeoutSeconds: z.number().positive(),
    taskToken: z.string().min(1),
  }),
  JourneyTaskContext.extend({
    op: z.literal('exitUnconfirmed'),
    topic: z.string().min(1),
    /** How long the journey waited for the confirmation. */
    waitedSeconds: z.number().positive(),
  }),
  JourneyTaskContext.extend({
    op: z.literal('updateContact'),
    set: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    clear: z.array(z.string()).default([]),
    addTags: z.array(z.string()).default([]),
    removeTags: z.array(z.string()).default([]),
    /** Asked of the lifecycle rules, which the reactor applies to the `contact.updated` event. */
    stage: z.string().min(1).optional(),
  }),
  JourneyTaskContext.extend({ op: z.literal('webhook'), url: z.url() }),
  JourneyTaskContext.extend({
    op: z.literal('recordFailure'),
    error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).partial().default({}),
  }),
]);
export type JourneyStepInput = z.input<typeof JourneyStepInput>;

export interface JourneyStepDeps {
  readonly store: JourneyStore;
  readonly webhooks: WebhookSender;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly stageRank?: StageRank;
}

/** The input did not match any operation: a compiler/handler mismatch, never retried. */
export class InvalidStepInput extends Error {
  override name = 'InvalidStepInput';
}

/** The contact of a running journey is gone (erased): the step fails into the journey's failure path. */
export class ContactGone extends Error {
  override name = 'ContactGone';
}

/**
 * The double opt-in a journey was about to wait for is no longer pending (confirmed, or withdrawn, just before the
 * wait was put): the compiled journey catches it and tries its send again at once.
 */
export class ConsentNotPending extends Error {
  override name = 'ConsentNotPending';
}

/** The webhook's receiver answered 429/5xx or did not answer: Step Functions retries. */
export class WebhookUnavailable extends Error {
  override name = 'WebhookUnavailable';
}

/** The webhook's receiver refused the call (4xx other than 429): retrying would not help. */
export class WebhookRejected extends Error {
  override name = 'WebhookRejected';
}

/** An event's type and data, kept together (a timeline event without its ids and time). */
type EventBody = TimelineEvent extends infer E ? (E extends TimelineEvent ? Pick<E, 'type' | 'data'> : never) : never;

/** Ends the execution's membership with its event, whose id is `<execution>.<suffix>` (once, however often retried). */
function finishExecution(
  deps: JourneyStepDeps,
  input: { readonly contactId: string; readonly journeyId: string; readonly executionName: string },
  now: Date,
  status: 'failed' | 'exited',
  suffix: string,
  body: EventBody,
): Promise<void> {
  const event = { eventId: `${input.executionName}.${suffix}`, contactId: input.contactId, occurredAt: now.toISOString(), ...body } satisfies TimelineEvent;
  return deps.store.finish(input.contactId, input.journeyId, input.executionName, status, event);
}

/**
 * The step handler every journey shares: branches, waits until a date or window, registers waits for events,
 * updates contacts, calls webhooks and records failures. What it returns is the Task's result (`$.last`).
 */
export const makeJourneyStep =
  (deps: JourneyStepDeps) =>
  async (raw: unknown): Promise<Record<string, unknown>> => {
    const parsed = JourneyStepInput.safeParse(raw);
    if (!parsed.success) throw new InvalidStepInput(describeFieldErrors(fieldErrors(parsed.error)));
    const input = parsed.data;
    const now = input.now ? new Date(input.now) : deps.clock.now();
    const log = { contactId: input.contactId, journeyId: input.journeyId, stepId: input.stepId, op: input.op };

    switch (input.op) {
      case 'branch': {
        const contact = await deps.store.contact(input.contactId);
        if (!contact) throw new ContactGone(input.contactId);
        const longest = Math.max(0, ...input.cases.flatMap((c) => c.when.map((w) => ('happened' in w ? w.withinSeconds : 0))));
        const events = longest > 0 ? await deps.store.eventsSince(input.contactId, new Date(now.getTime() - longest * 1_000).toISOString()) : [];
        // `segments contains <id>`: the contact's memberships, read only when a case asks.
        const asksSegments = input.cases.some((c) => c.when.some((w) => !('happened' in w) && w.subject === 'segments'));
        const segments = asksSegments ? await deps.store.memberSegments(input.contactId) : [];
        const holds = (w: Condition | z.infer<typeof Happened>) =>
          'happened' in w
            ? events.some((e) => Date.parse(e.occurredAt) >= now.getTime() - w.withinSeconds * 1_000 && eventMatches(e, w.happened, w.where, deps.stageRank))
            : all([w], contactSubject(contact, segments), deps.stageRank);
        const index = input.cases.findIndex((c) => c.when.every(holds));
        deps.logger.info('journey branch', { ...log, index });
        return { index };
      }
      case 'waitUntil': {
        const contact = await deps.store.contact(input.contactId);
        if (!contact) throw new ContactGone(input.contactId);
        const zone = zoneOr(contact.attributes.time_zone, input.timezone);
        if (input.calendarDays !== undefined) {
          const today = localParts(now, zone);
          const until = zonedTime(today.year, today.month, today.day + input.calendarDays, 0, 0, zone);
          return { until: until.toISOString(), reason: `local midnight ${input.calendarDays} day${input.calendarDays === 1 ? '' : 's'} later in ${zone}` };
        }
        if (input.at !== undefined) {
          const at = new Date(input.at);
          // A moment already past does not wait (as Pinpoint's WaitUntil).
          return at.getTime() > now.getTime() ? { until: at.toISOString(), reason: `until ${at.toISOString()}` } : { until: now.toISOString(), reason: `${at.toISOString()} has passed` };
        }
        if (input.window) {
          const until = nextWindowOpening(now, input.window, zone);
          return { until: until.toISOString(), reason: until === now ? 'inside the window' : `next window opening in ${zone}` };
        }
        const date = dateOf(contact.attributes[input.attribute ?? '']);
        const at = date ? dateInZone(date, input.offsetSeconds, zone) : undefined;
        if (!at) return { until: now.toISOString(), reason: `no date in ${input.attribute}` };
        if (at.getTime() <= now.getTime()) return { until: now.toISOString(), reason: `${input.attribute} has passed` };
        return { until: at.toISOString(), reason: `${input.attribute} in ${zone}` };
      }
      case 'registerWait': {
        await deps.store.putWait(input.contactId, {
          journeyId: input.journeyId,
          executionName: input.executionName,
          stepId: input.stepId,
          event: input.event,
          where: input.where,
          taskToken: input.taskToken,
          createdAt: now.toISOString(),
          // Step Functions forgets the token at the timeout; keep the item a day longer, then TTL removes it.
          expiresAt: Math.ceil(now.getTime() / 1_000 + input.timeoutSeconds + 86_400),
        });
        deps.logger.info('journey waits for an event', { ...log, event: input.event });
        return { registered: true };
      }
      case 'awaitConfirmation': {
        const outcome = await deps.store.putConfirmationWait(
          input.contactId,
          {
            journeyId: input.journeyId,
            executionName: input.executionName,
            stepId: input.stepId,
            event: EventName.ConsentConfirmed,
            where: [`topic == ${input.topic}`],
            taskToken: input.taskToken,
            createdAt: now.toISOString(),
            expiresAt: Math.ceil(now.getTime() / 1_000 + input.timeoutSeconds + 86_400),
          },
          input.topic,
        );
        if (outcome === 'NotPending') throw new ConsentNotPending(`the ${input.topic} double opt-in is no longer pending`);
        deps.logger.info('journey waits for a double opt-in confirmation', { ...log, topic: input.topic });
        return { registered: true };
      }
      case 'exitUnconfirmed': {
        await finishExecution(deps, input, now, 'exited', 'unconfirmed', {
          type: EventName.JourneyExited,
          data: {
            journeyId: input.journeyId,
            executionName: input.executionName,
            reason: 'unconfirmed',
            detail: `${input.topic} double opt-in not confirmed within ${formatDuration(input.waitedSeconds)} (step ${input.stepId})`,
          },
        });
        deps.logger.info('journey exits: double opt-in unconfirmed', { ...log, topic: input.topic });
        return { exited: 'unconfirmed' };
      }
      case 'updateContact': {
        const outcome = await deps.store.updateContact(
          input.contactId,
          {
            journeyId: input.journeyId,
            stepId: input.stepId,
            set: input.set,
            cleared: input.clear,
            addedTags: input.addTags,
            removedTags: input.removeTags,
            ...(input.stage ? { stage: input.stage } : {}),
          },
          `${input.executionName}.${input.stepId}`,
          now.toISOString(),
        );
        if (outcome === 'NoSuchContact') throw new ContactGone(input.contactId);
        return { outcome: outcome === 'Updated' ? 'updated' : 'already_updated' };
      }
      case 'webhook': {
        const contact = await deps.store.contact(input.contactId);
        if (!contact) throw new ContactGone(input.contactId);
        const body = JSON.stringify({
          journeyId: input.journeyId,
          stepId: input.stepId,
          executionName: input.executionName,
          contact: { contactId: contact.contactId, email: contact.email, attributes: contact.attributes, stage: contact.stage, tags: contact.tags ?? [] },
          sentAt: now.toISOString(),
        });
        const { status } = await deps.webhooks.post(input.url, body, `${input.executionName}:${input.stepId}`);
        if (status === 429 || status >= 500) throw new WebhookUnavailable(`webhook answered ${status}`);
        if (status >= 400) throw new WebhookRejected(`webhook answered ${status}`);
        return { outcome: 'delivered', status };
      }
      case 'recordFailure': {
        await finishExecution(deps, input, now, 'failed', 'failed', {
          type: EventName.JourneyFailed,
          data: {
            journeyId: input.journeyId,
            executionName: input.executionName,
            ...(input.error.Error ? { error: input.error.Error.slice(0, 500) } : {}),
            ...(input.error.Cause ? { cause: input.error.Cause.slice(0, 2_000) } : {}),
          },
        });
        deps.logger.warn('journey step failed', { ...log, error: input.error.Error });
        return { recorded: true };
      }
    }
  };
