import * as z from 'zod';
import { event, eventGroup } from '../shared/event-envelope';

/** `score.changed`: the lead score after an event (or a rescore), with the rules that moved it. */
export const ScoreChangedData = z.object({
  fit: z.number(),
  behaviour: z.number(),
  total: z.number(),
  previousTotal: z.number(),
  /** The scoring file's version. */
  version: z.union([z.number(), z.string()]),
  /** Behaviour rules this event matched (empty when only fit or decay moved it). */
  ruleIds: z.array(z.string()),
  /** `event` (the reactor) or `rescore`. */
  cause: z.string().max(40).optional(),
});
export type ScoreChangedData = z.infer<typeof ScoreChangedData>;

/** `stage.changed`: one lifecycle transition (stage ids from content/lifecycle.yaml). */
export const StageChangedData = z.object({
  from: z.string().min(1),
  to: z.string().min(1),
  reason: z.string().max(500),
  /** A recycled contact engaging again. */
  reopened: z.boolean().optional(),
  /** The event that caused it. */
  causeEventId: z.string().optional(),
});
export type StageChangedData = z.infer<typeof StageChangedData>;

/** Scoring's events. Stored forever in contacts' timelines: never rename one, add a new one. */
export const scoringEventGroup = eventGroup({
  /** The lead score changed (score history). */
  ScoreChanged: event('score.changed', ScoreChangedData),
  /** The lifecycle stage changed: from, to, reason. The funnel reports count these. */
  StageChanged: event('stage.changed', StageChangedData),
});
export const scoringEventNames = scoringEventGroup.names;
/** Scoring's events: the score and stage changes it derives. */
export const scoringEvents = scoringEventGroup.schemas;
