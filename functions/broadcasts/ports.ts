import * as z from 'zod';
import type { ExperimentDecision } from '../experiments/domain/decision';
import type { Experiment } from '../experiments/domain/experiment-file';
import { BroadcastDefinition, type BroadcastCounts, type BroadcastProgress, type BroadcastStatus } from './domain/broadcast';

/** A broadcast as stored (`keys.broadcast`), parsed back with this schema. */
export const BroadcastRecord = z.object({
  id: z.string(),
  definition: BroadcastDefinition,
  status: z.enum(['queued', 'sending', 'sent', 'cancelled', 'failed']),
  /** Messages per second, resolved at creation (the definition's or the account's). */
  rate: z.number().positive(),
  /** The topic the sends respect, resolved at creation (the definition's or the template's). */
  topic: z.string().optional(),
  /** Segment members when it was created (`queued` is this less what has been processed). */
  audience: z.number().int().nonnegative(),
  startsAt: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  /** The Step Functions execution sending it (its name is the broadcast id). */
  executionName: z.string(),
  counts: z.object({ sent: z.number(), failed: z.number(), skipped: z.record(z.string(), z.number()) }),
  progress: z.object({
    page: z.number(),
    pass: z.number(),
    after: z.string().optional(),
    upTo: z.string().optional(),
    cursor: z.string().optional(),
    nextDue: z.string().optional(),
    later: z.number(),
  }),
  /** Why it failed: the error's name only. */
  error: z.string().optional(),
  /** The arm a marketer picked by hand for the rollout (`POST /broadcasts/{id}/winner`). */
  picked: z.object({ arm: z.string(), at: z.string() }).optional(),
  /** What the rest of the audience gets, decided once when the experiment's rollout is due. */
  rollout: z
    .object({ decision: z.enum(['winner', 'no_winner_yet', 'no_difference', 'manual']), arm: z.string(), why: z.string(), at: z.string() })
    .optional(),
});
export type BroadcastRecord = z.infer<typeof BroadcastRecord>;

/** The broadcasts' items in the table. */
export interface BroadcastStore {
  /** Writes a new broadcast; `Exists` (with the stored one) when the id is taken. */
  create(record: BroadcastRecord): Promise<{ readonly type: 'Created' } | { readonly type: 'Exists'; readonly record: BroadcastRecord }>;
  get(broadcastId: string): Promise<BroadcastRecord | undefined>;
  /** Broadcasts by creation time, oldest first, a page at a time. */
  list(limit: number, cursor?: string): Promise<{ readonly items: readonly BroadcastRecord[]; readonly cursor?: string }>;
  /** queued → sending; false when it was no longer queued (cancelled). */
  markSending(broadcastId: string, at: Date): Promise<boolean>;
  /**
   * Records one page: the counts and progress after it, only if no other attempt committed page `page` first
   * (the progress's page number is the lock). False when one did: nothing was written.
   */
  commitPage(broadcastId: string, page: number, counts: BroadcastCounts, progress: BroadcastProgress, at: Date): Promise<boolean>;
  /** sending (or queued) → `status`; false when it had already ended (a cancel won). */
  finish(broadcastId: string, status: Extract<BroadcastStatus, 'sent' | 'failed'>, at: Date, error?: string): Promise<boolean>;
  /**
   * Records a marketer's pick for the rollout; `Decided` (with the stored broadcast) once the rollout is recorded,
   * undefined when there is no such broadcast.
   */
  pick(broadcastId: string, arm: string, at: Date): Promise<{ readonly type: 'Picked' | 'Decided'; readonly record: BroadcastRecord } | undefined>;
  /**
   * Records the rollout once: only while none is recorded and the pick is still the one it was made from (`picked`,
   * or none). False when either changed: nothing was written.
   */
  recordRollout(broadcastId: string, rollout: NonNullable<BroadcastRecord['rollout']>, picked: string | undefined): Promise<boolean>;
  /** queued or sending → cancelled; the stored broadcast after it, or undefined when there is none. */
  cancel(broadcastId: string, at: Date): Promise<{ readonly cancelled: boolean; readonly record: BroadcastRecord } | undefined>;
}

/** A segment's members, read through the membership index (the segments capability writes it). */
export interface Audience {
  /** Up to `limit` member ids from `cursor` on, in contact-id order, and where the next page starts. */
  page(segmentId: string, limit: number, cursor?: string): Promise<{ readonly contactIds: readonly string[]; readonly cursor?: string }>;
  /** How many members the segment has now. */
  count(segmentId: string): Promise<number>;
  /** Each contact's `time_zone` attribute, as stored (absent contacts and attributes are left out). */
  timeZones(contactIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
}

/** The broadcast state machine's executions. */
export interface BroadcastExecutions {
  /** Starts the execution named `executionName`; starting one that exists is a no-op. */
  start(executionName: string, input: { readonly broadcastId: string }): Promise<void>;
  /** Stops it; an execution that ended already is a no-op. */
  stop(executionName: string): Promise<void>;
}

/** The experiments capability's current decision on an experiment, from its counters. */
export type ExperimentDecisions = (experiment: Experiment) => Promise<ExperimentDecision>;

/** Whether a segment exists in content/segments (the segments capability's catalogue). */
export type SegmentExists = (segmentId: string) => boolean;

/** A broadcast the step was asked about does not exist: the execution's input is wrong, retrying will not help. */
export class BroadcastNotFound extends Error {
  override name = 'BroadcastNotFound';
}

/** Another attempt committed the same page with a different result; the step runs again from the stored progress. */
export class PageContended extends Error {
  override name = 'PageContended';
}
