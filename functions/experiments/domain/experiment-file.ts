import * as z from 'zod';
import { DURATION_PATTERN, parseDuration } from '../../shared/durations';
import { EventMatcher } from '../../shared/event-matcher';
import { HOLDOUT_ARM } from '../../shared/experiment-ref';

/** `30m`, `12h`, `2d`, `1w`, as journey files write durations; in seconds, and longer than zero here. */
const duration = z
  .string()
  .regex(DURATION_PATTERN, 'a duration is a number and a unit: 30m, 12h, 2d, 1w')
  .transform((text) => parseDuration(text)!)
  .refine((seconds) => seconds > 0, 'must be longer than zero');

/** Ids are stored in counters and on send records forever: lower-case, digits and dashes. */
const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, at most 63 characters');

/** The id the holdout's counters are kept under; no arm may take it. */
export const HOLDOUT = HOLDOUT_ARM;

/** One variant: what its contacts receive instead of the step's or broadcast's own email. */
export const Arm = z.strictObject({
  id: id.refine((value) => value !== HOLDOUT, `"${HOLDOUT}" names the holdout, not an arm`),
  /** The template its contacts get (`content/emails/<id>`); without it, the step's or broadcast's own template. */
  template: z.string().min(1).optional(),
  /** A Liquid subject line that replaces the template's (same variables, `default` required the same way). */
  subject: z.string().min(1).max(200).optional(),
  /**
   * When its contacts get it (broadcasts only: a journey sends when its step is reached). `offset` after the
   * broadcast's send time, or `localHour` (0–23) in each contact's time zone.
   */
  sendTime: z.union([z.strictObject({ offset: duration }), z.strictObject({ localHour: z.int().min(0).max(23) })]).optional(),
  /** Its share of the contacts not held out, relative to the other arms' weights. @default 1 */
  weight: z.number().positive().max(100).default(1),
});
export type Arm = z.infer<typeof Arm>;

/**
 * What decides the winner, fixed before launch. `human_click`: unique human clicks per contact sent to (link
 * scanners and privacy proxies excluded; opens are not used, since Apple Mail fetches every pixel). A goal
 * `{ event, within }`: contacts with that event within that long after their send (or, for the holdout, after
 * the send they were held out of), which the holdout can also do, so lift over doing nothing means something.
 */
export const Metric = z.union([
  z.literal('human_click'),
  z.strictObject({
    /** A timeline event type: `form.submitted`, `stage.changed`, `event.tracked` (with `where: { event: order_completed }`). */
    event: z.string().min(1),
    /** Tests on fields of the event's data, as journey triggers write them. */
    where: EventMatcher.shape.where,
    /** How long after the send (or the held-out send) the event still counts. */
    within: duration,
  }),
]);
export type Metric = z.infer<typeof Metric>;

/** How the winner is decided (docs/experiments.md#the-method). */
export const DecisionSettings = z.strictObject({
  /** The false-winner rate the test keeps however often the report is read. @default 0.05 */
  alpha: z.number().gt(0).max(0.2).default(0.05),
  /** The metric's expected rate in the control arm (4% of sends clicked: 0.04), for the planned sample. */
  baselineRate: z.number().gt(0).lt(1),
  /**
   * The smallest relative lift worth detecting (0.25: 4% → 5%): the planned sample detects it with `power`, the
   * test's mixing scale is this absolute difference, and a difference surely smaller ends the test without a winner.
   */
  minimumDetectableLift: z.number().gt(0).max(10),
  /** @default 0.8 */
  power: z.number().min(0.5).max(0.99).default(0.8),
});
export type DecisionSettings = z.infer<typeof DecisionSettings>;

/** An experiment file, `content/experiments/<id>.yaml`. */
export const ExperimentFile = z
  .strictObject({
    id,
    name: z.string().min(1).max(200),
    /** What the marketer expects and why, written before launch. */
    hypothesis: z.string().min(1).max(2_000),
    /** Two or more variants; the first is the control. */
    arms: z.array(Arm).min(2).max(8),
    /** The share of contacts who get nothing (0–0.5), so the report shows the lift over doing nothing. @default 0 */
    holdout: z.number().min(0).max(0.5).default(0),
    metric: Metric.default('human_click'),
    decision: DecisionSettings,
    /** A marketer's pick: overrides the test's decision (the report still shows the numbers). */
    winner: id.optional(),
    /**
     * Broadcasts only: send the winner to the rest of the audience `after` the test went out to `audienceShare`
     * of it. Without a winner by then, the rest gets the control.
     */
    rollout: z.strictObject({ audienceShare: z.number().gt(0).lt(1), after: duration }).optional(),
  })
  .superRefine((file, ctx) => {
    const ids = file.arms.map((arm) => arm.id);
    ids.forEach((armId, index) => {
      if (ids.indexOf(armId) !== index) ctx.addIssue({ code: 'custom', path: ['arms', index, 'id'], message: `arm id "${armId}" is used twice` });
    });
    if (file.winner !== undefined && !ids.includes(file.winner)) {
      ctx.addIssue({ code: 'custom', path: ['winner'], message: `"${file.winner}" is not an arm (${ids.join(', ')})` });
    }
  });
export type ExperimentFile = z.infer<typeof ExperimentFile>;
/** An experiment as a function sees it: the file, validated, defaults applied. */
export type Experiment = ExperimentFile;
