import * as z from 'zod';
import { event, eventGroup } from '../shared/event-envelope';

/** `segment.entered` / `segment.exited`: the contact's membership of a segment changed, and why. */
export const SegmentTransitionData = z.object({
  segmentId: z.string().min(1),
  /** What caused it (an event's name, or a time window's end) and the conditions that hold or no longer do. */
  reason: z.string().max(500),
  /** The event whose reaction decided it. */
  causeEventId: z.string().optional(),
});
export type SegmentTransitionData = z.infer<typeof SegmentTransitionData>;

/** `segment.review_due`: a time window of these segments may have ended for the contact (appended by the sweep). */
export const SegmentReviewDueData = z.object({
  segmentIds: z.array(z.string().min(1)).min(1).max(100),
});
export type SegmentReviewDueData = z.infer<typeof SegmentReviewDueData>;

/** Segments' events. Stored forever in contacts' timelines: never rename one, add a new one. */
export const segmentEventGroup = eventGroup({
  /** The contact entered a segment (journeys trigger on it: `on: segment_entered`). */
  SegmentEntered: event('segment.entered', SegmentTransitionData),
  /** The contact left a segment. */
  SegmentExited: event('segment.exited', SegmentTransitionData),
  /** Time to re-evaluate segments whose window may have ended (the sweep), or the rest of a reaction that changed many. */
  SegmentReviewDue: event('segment.review_due', SegmentReviewDueData),
});
export const segmentEventNames = segmentEventGroup.names;
export const segmentEvents = segmentEventGroup.schemas;
