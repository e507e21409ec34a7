import * as z from 'zod';

/**
 * A contact's membership of one journey (`CONTACT#<id>` / `JOURNEY#<journeyId>`): the latest enrolment, so the
 * entry rules (once, cool-down, never twice at a time) and the exits (which execution to stop) need no scan.
 */
export const Membership = z.object({
  journeyId: z.string().min(1),
  executionName: z.string().min(1),
  status: z.enum(['running', 'completed', 'exited', 'failed']),
  /** How many times the contact entered this journey. */
  entries: z.int().min(1),
  enteredAt: z.iso.datetime(),
  endedAt: z.iso.datetime().optional(),
  endReason: z.string().optional(),
  /** The journey's version this enrolment runs on (entered on, or migrated to); absent before versions. */
  version: z.string().optional(),
});
export type Membership = z.infer<typeof Membership>;

/**
 * A running execution waiting for an event (`CONTACT#<id>` / `WAIT#<executionName>#<stepId>`), with the task token
 * to resume it. Expires (TTL) a day after the wait's timeout, when Step Functions has moved on anyway.
 */
export const JourneyWait = z.object({
  journeyId: z.string().min(1),
  executionName: z.string().min(1),
  stepId: z.string().min(1),
  /** A tracked event's name, or a timeline event type. */
  event: z.string().min(1),
  where: z.array(z.string()),
  taskToken: z.string().min(1),
  createdAt: z.iso.datetime(),
  expiresAt: z.number(),
});
export type JourneyWait = z.infer<typeof JourneyWait>;

/** A date attribute indexed for the daily sweep (`CONTACT#<id>` / `INDEX#DATE#<attribute>`). */
export const DateIndexEntry = z.object({ attribute: z.string(), date: z.string() });
export type DateIndexEntry = z.infer<typeof DateIndexEntry>;

/**
 * The deterministic execution name of an enrolment: `<journeyId>-<contactId>-<triggering event id>`, at most
 * 80 characters. Step Functions refuses a second execution with a name, so a retried trigger cannot enrol twice.
 */
export function executionNameFor(journeyId: string, contactId: string, triggerEventId: string): string {
  const safe = triggerEventId.replace(/[^A-Za-z0-9_-]/g, '_');
  return `${journeyId}-${contactId}-${safe}`.slice(0, 80);
}
