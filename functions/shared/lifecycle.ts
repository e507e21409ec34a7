import * as z from 'zod';
import { EventMatcher } from './event-matcher';

/**
 * The funnel (`content/lifecycle.yaml`): stages in order, side stages, the MQL threshold, event transitions, what
 * CRM feedback does, and the journey recycled leads go back to. Stage ids are stored forever.
 */

const StageId = z.string().regex(/^[a-z][a-z0-9_-]*$/, 'lower-case letters, digits, _ and -');

const Stage = z.strictObject({
  id: StageId,
  label: z.string().min(1),
  /** HubSpot's `lifecyclestage` internal value for this stage. */
  hubspot: z.string().min(1).optional(),
});

/** What sales can answer in the CRM. Stored in `crm.feedback` events: add outcomes, never rename. */
export const FEEDBACK_OUTCOMES = ['accepted', 'rejected', 'disqualified', 'opportunity', 'closed_won', 'closed_lost'] as const;
export const FeedbackOutcome = z.enum(FEEDBACK_OUTCOMES);
export type FeedbackOutcome = z.infer<typeof FeedbackOutcome>;

export const Lifecycle = z
  .strictObject({
    version: z.union([z.number().int().positive(), z.string().min(1)]),
    stages: z.array(Stage).min(2),
    sideStages: z.array(Stage).default([]),
    initial: StageId,
    mql: z.strictObject({ minTotal: z.number(), minFit: z.number() }),
    transitions: z.array(z.strictObject({ to: StageId, reason: z.string().min(1), on: EventMatcher })).default([]),
    feedback: z.record(FeedbackOutcome, StageId),
    recycle: z.strictObject({ journey: z.string().min(1) }).optional(),
    handOffAt: StageId,
    hubspotFeedback: z.record(z.string(), z.record(z.string(), FeedbackOutcome)).default({}),
    /**
     * How HubSpot deal property changes (`deal.propertyChange`, e.g. `dealstage` → `closedlost`) map to feedback
     * outcomes; the feedback goes to every contact associated with the deal. Pipelines with custom stages list their
     * stage ids here.
     */
    hubspotDealFeedback: z.record(z.string(), z.record(z.string(), FeedbackOutcome)).default({}),
  })
  .superRefine((lifecycle, ctx) => {
    const ids = [...lifecycle.stages, ...lifecycle.sideStages].map((s) => s.id);
    const known = new Set(ids);
    if (known.size !== ids.length) ctx.addIssue({ code: 'custom', message: 'stage ids must be unique', path: ['stages'] });
    const check = (id: string, path: (string | number)[]) => {
      if (!known.has(id)) ctx.addIssue({ code: 'custom', message: `unknown stage "${id}"`, path });
    };
    check(lifecycle.initial, ['initial']);
    check(lifecycle.handOffAt, ['handOffAt']);
    if (!lifecycle.stages.some((s) => s.id === 'mql')) {
      ctx.addIssue({ code: 'custom', message: 'the funnel needs an "mql" stage', path: ['stages'] });
    }
    lifecycle.transitions.forEach((t, i) => check(t.to, ['transitions', i, 'to']));
    Object.entries(lifecycle.feedback).forEach(([outcome, to]) => check(to, ['feedback', outcome]));
  });
export type Lifecycle = z.infer<typeof Lifecycle>;

export const RECYCLED = 'recycled';
export const DISQUALIFIED = 'disqualified';
export const MQL = 'mql';

/**
 * A stage's position in the funnel (0 = first), or undefined for a side stage (`recycled`, `disqualified`) or an
 * unknown id. Journeys use it for goals such as `stage >= sql`.
 */
export function stageRank(lifecycle: Lifecycle, stageId: string | undefined): number | undefined {
  const index = lifecycle.stages.findIndex((stage) => stage.id === (stageId ?? lifecycle.initial));
  return index === -1 ? undefined : index;
}

/** Whether a contact at `stageId` has reached `atLeast` (side stages never have). No stage means the initial one. */
export function stageAtLeast(lifecycle: Lifecycle, stageId: string | undefined, atLeast: string): boolean {
  const rank = stageRank(lifecycle, stageId);
  const target = stageRank(lifecycle, atLeast);
  return rank !== undefined && target !== undefined && rank >= target;
}

export function stageLabel(lifecycle: Lifecycle, stageId: string): string {
  return [...lifecycle.stages, ...lifecycle.sideStages].find((s) => s.id === stageId)?.label ?? stageId;
}
