import * as z from 'zod';

/**
 * The contracts between journey state machines and the step handlers they call (Task states invoking Lambda
 * functions). The journey compiler builds each Task's input from these shapes and routes on their outputs; each
 * capability's task handler parses its input with these schemas. Field names are stored in execution histories:
 * add fields, never rename.
 */

/** What every journey task receives about where it runs. */
export const JourneyTaskContext = z.object({
  contactId: z.string().min(1),
  journeyId: z.string().min(1),
  /** The step's stable id from the journey file. */
  stepId: z.string().min(1),
  /** The execution's name: `<journeyId>-<contactId>-<entry>`, unique per enrolment. */
  executionName: z.string().min(1),
  /**
   * When the state was entered (`$$.State.EnteredTime`): the step's "now". In AWS it is the real time; the local
   * runtime passes its journey clock, on which waits pass TIME_SCALE times faster, so send windows, date waits
   * and frequency caps see the time the journey has reached. Handlers use it instead of their own clock.
   */
  now: z.iso.datetime().optional(),
});
export type JourneyTaskContext = z.infer<typeof JourneyTaskContext>;

/** Send email step → the email capability's `sendEmail` task function. */
export const SendEmailTaskInput = JourneyTaskContext.extend({
  templateId: z.string().min(1),
  /**
   * The journey waits for a pending double opt-in (the compiler sets it): the answer is `unconfirmed` instead of
   * a recorded `skipped: unconfirmed`. Executions compiled before it existed keep the old answer.
   */
  awaitConfirmation: z.boolean().optional(),
  /** The step runs this experiment (content/experiments): the task picks the contact's arm, or holds it out. */
  experimentId: z.string().min(1).optional(),
});
export type SendEmailTaskInput = z.infer<typeof SendEmailTaskInput>;

/**
 * - `sent`: SES accepted it (or it had been sent before by this same execution and step: `duplicate: true`);
 * - `skipped`: a guard said no (unsubscribed, suppressed, frequency cap, no consent), or the enrolment ended
 *   (`exited`: a goal or an exit raced the step); recorded on the timeline;
 * - `deferred`: outside the contact's send window: the journey waits until `until` (ISO) and tries again;
 * - `unconfirmed` (only with `awaitConfirmation`): the contact's double opt-in of `topic` is pending: the journey
 *   waits for `consent.confirmed` and tries again. Nothing is written.
 */
export type SendEmailTaskOutput =
  | { readonly outcome: 'sent'; readonly messageId: string; readonly duplicate?: boolean }
  | { readonly outcome: 'skipped'; readonly reason: string }
  | { readonly outcome: 'deferred'; readonly until: string }
  | { readonly outcome: 'unconfirmed'; readonly topic: string };

/** Send SMS step → the SMS capability's `sendSms` task function. */
export const SendSmsTaskInput = JourneyTaskContext.extend({
  templateId: z.string().min(1),
  /** The journey's topic: the SMS consent the send needs (none: `all`). */
  topic: z.string().min(1).optional(),
  /** The journey's time zone, for quiet hours of contacts without `time_zone`. */
  timezone: z.string().min(1).default('UTC'),
});
export type SendSmsTaskInput = z.infer<typeof SendSmsTaskInput>;

/** Hand off to CRM step → the CRM capability's `handOff` task function. */
export const HandOffTaskInput = JourneyTaskContext.extend({
  /** Why sales gets this lead, shown to the rep (e.g. "budget ≥ $5,000"). */
  reason: z.string().max(500).optional(),
  /** The event that enrolled the contact (`$.trigger.eventId`): the hand-off waits until the reactor has applied it. */
  triggerEventId: z.string().min(1).optional(),
});
export type HandOffTaskInput = z.infer<typeof HandOffTaskInput>;

export type HandOffTaskOutput =
  | { readonly outcome: 'handed_off'; readonly crmId: string; readonly provider: string }
  | { readonly outcome: 'skipped'; readonly reason: string }
  /** The CRM was unavailable: the hand-off waits in the CRM hand-off queue, whose worker retries it with backoff. */
  | { readonly outcome: 'queued'; readonly reason: string };

/**
 * Error names a task handler throws for a transient failure that Step Functions must retry with backoff (the
 * compiler puts them, with Lambda's own transient errors, in every Task's Retry). Anything else fails the step
 * into its Catch, which records the failure on the timeline.
 */
export const RETRYABLE_TASK_ERRORS = [
  'SesThrottled',
  'SmsThrottled',
  'CrmUnavailable',
  'WebhookUnavailable',
  'ContactContended',
  'EnrolmentNotRecorded',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
] as const;

/**
 * Another hand-off of the same contact holds its lease (functions/crm/hand-off.ts, 60 s). Retried on its own
 * schedule, evenly and without jitter, so the tries certainly outlast a lease whose holder crashed: a backoff with
 * full jitter may give up before it runs out.
 */
export const HAND_OFF_BUSY = { error: 'CrmHandOffInProgress', intervalSeconds: 10, maxAttempts: 9 } as const;
