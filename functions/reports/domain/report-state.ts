import * as z from 'zod';

/** Where a contact came from, as the reports slice it: UTM source, medium, campaign and the form. */
export const Attribution = z.object({
  source: z.string(),
  medium: z.string(),
  campaign: z.string(),
  form: z.string(),
});
export type Attribution = z.infer<typeof Attribution>;

/**
 * The little a contact's events must remember for the reports that a counter cannot answer alone: when it entered
 * its current stage (time in stage, stalled counts), which messages it already opened or clicked (unique opens and
 * clicks), its score bucket (the month-end histogram), where it is in each journey (active per step) and on which version, and its first
 * and last touch (attribution). One item per contact (`CONTACT#<id>` / `REPORTS`), loaded with the reactor's state
 * Query and rewritten in the event's transaction, so it moves exactly once with the counters.
 */
export const ReportState = z.object({
  /** The contact's creation day and month (cohort of the lead-score histogram). */
  createdDay: z.string(),
  stage: z.string(),
  stageAt: z.iso.datetime(),
  /** The score bucket counted in the creation month's histogram; frozen after that month. */
  scoreBucket: z.int(),
  first: Attribution.optional(),
  last: Attribution.optional(),
  /** Recent messages sent: messageId → email dimension key (journey/step/template). */
  messages: z.record(z.string(), z.string()).default({}),
  /** Messages a person (not a machine) opened / clicked at least once. */
  opened: z.array(z.string()).default([]),
  clicked: z.array(z.string()).default([]),
  /** The step each active journey is at (`start` until its first step event). */
  steps: z.record(z.string(), z.string()).default({}),
  /**
   * The version each active journey runs on for this contact (`journey.entered`'s, then `journey.migrated`'s), so
   * its end counts against that version. A run that began before per-version counts has none here: it ends under
   * `unversioned` and was never on the version gauge, so it takes nothing off it.
   */
  versions: z.record(z.string(), z.string()).default({}),
  /**
   * The stages the latest stage-changing event moved the contact into, and the journeys already credited with them:
   * a journey that same event enrols the contact in (its `journey.entered` comes after the `stage.changed`) is
   * credited too, as the stage change and the enrolment have one cause.
   */
  stageCause: z
    .object({ eventId: z.string(), day: z.string(), stages: z.array(z.string()), credited: z.array(z.string()) })
    .optional(),
});
export type ReportState = z.infer<typeof ReportState>;

/**
 * How many messages the state remembers (about 10 KB at most with SES message ids): older ones drop out, and a late
 * first-or-repeat open of one of those counts as unique again. Bounded because the item is read on every event.
 */
export const REMEMBERED_MESSAGES = 50;
