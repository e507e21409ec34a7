import * as z from 'zod';
import { FieldValueSchema, event, eventGroup } from '../shared/event-envelope';
import { JOURNEY_EXIT_REASONS } from '../shared/values';

/** Which journey, and which enrolment, a journey event is about. */
const JourneyRef = {
  journeyId: z.string().min(1),
  executionName: z.string().min(1),
};

export const JourneyEnrollmentRequestedData = z.object({
  journeyId: z.string().min(1),
  /** `webhook` (the enrolments API) or `date` (the daily sweep). */
  source: z.enum(['webhook', 'date']),
  /** The date trigger's attribute and date, for `date`. */
  attribute: z.string().optional(),
  date: z.string().optional(),
});
export const JourneyEnteredData = z.object({
  ...JourneyRef,
  triggerEventId: z.string().min(1),
  entry: z.int().min(1),
  /** The journey's version the contact entered on (its compiled definition's hash, lib/journeys/journey-version.ts); absent before versions. */
  version: z.string().optional(),
});
/** Moved from an older version of the journey to the live one (`on_change: migrate`), at the same or the mapped step. */
export const JourneyMigratedData = z.object({
  ...JourneyRef,
  /** The execution it left (stopped); `executionName` is the one it continues in. */
  fromExecutionName: z.string().min(1),
  fromVersion: z.string().optional(),
  toVersion: z.string().min(1),
  /** Where it waited in the old version, and the step it continues at in the new one. */
  fromStepId: z.string().min(1),
  stepId: z.string().min(1),
  /** What was left of its wait, carried over; absent when the step starts afresh. */
  remainingSeconds: z.number().min(0).optional(),
});
export const JourneyExitedData = z.object({
  ...JourneyRef,
  reason: z.enum(JOURNEY_EXIT_REASONS),
  /** The goal or the event that ended it. */
  detail: z.string().max(500).optional(),
});
export const JourneyFinishedData = z.object({
  ...JourneyRef,
  /** The failing step and the error, for `journey.failed`. */
  stepId: z.string().optional(),
  error: z.string().max(500).optional(),
  cause: z.string().max(2_000).optional(),
});
export const ContactUpdatedData = z.object({
  journeyId: z.string().optional(),
  stepId: z.string().optional(),
  set: z.record(z.string(), FieldValueSchema).default({}),
  cleared: z.array(z.string()).default([]),
  addedTags: z.array(z.string()).default([]),
  removedTags: z.array(z.string()).default([]),
  /**
   * The stage a journey's update-contact step asks for. Not written by the step: the reactor's lifecycle rules
   * (functions/scoring/domain/stages.ts) move the contact if the funnel allows it and append `stage.changed`.
   */
  stage: z.string().min(1).optional(),
});
export type ContactUpdatedData = z.infer<typeof ContactUpdatedData>;

/**
 * The journeys' events (and the profile updates their steps make). Stored forever in contacts' timelines:
 * never rename one, add a new one.
 */
export const journeyEventGroup = eventGroup({
  /** Asked to enrol through the webhook API or the date sweep; the reactor applies the entry rules. */
  JourneyEnrollmentRequested: event('journey.enrollment_requested', JourneyEnrollmentRequestedData),
  JourneyEntered: event('journey.entered', JourneyEnteredData),
  /** Left early: a goal, an unsubscribe, a hard bounce or complaint, or the API. */
  JourneyExited: event('journey.exited', JourneyExitedData),
  /** Moved to the live version of a changed journey (`on_change: migrate`). */
  JourneyMigrated: event('journey.migrated', JourneyMigratedData),
  JourneyCompleted: event('journey.completed', JourneyFinishedData),
  JourneyFailed: event('journey.failed', JourneyFinishedData),
  /** A journey step changed the profile (attributes, tags). */
  ContactUpdated: event('contact.updated', ContactUpdatedData),
});
export const journeyEventNames = journeyEventGroup.names;
/** The journeys' events (and the profile updates their steps make). */
export const journeyEvents = journeyEventGroup.schemas;
