import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseContact } from '../contacts/dynamo-contacts';
import { lifecycle, stageRankOf } from '../scoring/domain/content';
import type { Contact } from '../shared/contact';
import { EVENT_PREFIX, keys, SEGMENT_STATE_PREFIX } from '../shared/keys';
import { queryAll } from '../shared/query';
import { forEachProfile } from '../shared/scan-profiles';
import { parseTimelineItem, type TimelineEvent } from '../shared/timeline';
import { segmentStateItem } from './capability';
import { SegmentState } from './domain/membership';
import { compareStates, replaySegments, type Funnel, type ReplayedSegments, type StateDifference } from './domain/rebuild';
import { indexSegments, segmentMetric } from './domain/rules';
import { DynamoSegmentCounters } from './dynamo-segment-counters';
import type { Segment } from './domain/segment-file';

/** The shipped funnel (content/lifecycle.yaml), as replays read stages. */
export const shippedFunnel: Funnel = { stageRank: stageRankOf, initialStage: lifecycle.initial };

/** What a replay needs to read: the table, and the parallel scan segments of the profile scan. */
export interface ReplaySource {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Parallel scan segments. @default 4 */
  readonly scanSegments?: number;
}

/** One contact as read for a replay: the profile, the timeline and its stored segment states by segment id. */
export interface ContactRecord {
  readonly contact: Contact;
  readonly events: readonly TimelineEvent[];
  readonly stored: ReadonlyMap<string, SegmentState>;
}

/**
 * Calls `each` with every contact's profile, timeline and segment states: a scan for the profiles (operator jobs
 * only: a request never scans), then one Query of each contact's partition, which holds all three.
 */
export async function forEachContactRecord(
  source: ReplaySource,
  each: (record: ContactRecord) => void | Promise<void>,
  stop?: () => boolean,
): Promise<void> {
  await forEachProfile(source.db, source.tableName, source.scanSegments ?? 4, async (profile) => {
    const contact = parseContact(profile);
    const items = await queryAll(source.db, {
      TableName: source.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.profile(contact.contactId).PK },
      ConsistentRead: true,
    });
    const events: TimelineEvent[] = [];
    const stored = new Map<string, SegmentState>();
    for (const item of items) {
      const sk = String(item.SK);
      if (sk.startsWith(EVENT_PREFIX)) {
        // An event type this version does not know is skipped, as the reports rebuild does.
        const event = parseTimelineItem(item);
        if (event) events.push(event);
      } else if (sk.startsWith(SEGMENT_STATE_PREFIX)) {
        const state = SegmentState.parse(item);
        stored.set(state.segmentId, state);
      }
    }
    await each({ contact, events, stored });
  }, stop);
}

export interface RebuildOptions extends ReplaySource {
  readonly segments: ReadonlyMap<string, Segment>;
  readonly funnel?: Funnel;
  /** Windows that ended by then are reviewed. */
  readonly now: Date;
  /** Report only; write nothing. */
  readonly dryRun: boolean;
  readonly onProgress?: (contacts: number) => void;
}

export interface RebuildSummary {
  readonly contacts: number;
  readonly events: number;
  /** Every stored state that differs from the rebuilt one (member, since or memory). */
  readonly differences: readonly StateDifference[];
  /** Items written or deleted (0 on a dry run). */
  readonly written: number;
  /** Segment id → members after the rebuild, and what the `size` gauge said before. */
  readonly sizes: ReadonlyMap<string, { readonly members: number; readonly gauge: number }>;
}

/**
 * Recomputes every contact's state in every segment from its timeline (`replaySegments`), compares it with the
 * stored `SEG#` items and, unless a dry run, writes the rebuilt states where they differ and corrects each segment's
 * `size` gauge by the difference from the members counted. Nothing is appended to timelines: a repaired membership
 * starts no journey and counts no entry. States of segments no longer shipped are left as they are.
 */
export async function rebuildSegments(options: RebuildOptions): Promise<RebuildSummary> {
  const index = indexSegments(options.segments);
  const now = options.now.toISOString();
  const differences: StateDifference[] = [];
  const members = new Map([...options.segments.keys()].map((id) => [id, 0]));
  let contacts = 0;
  let events = 0;
  let written = 0;
  await forEachContactRecord(options, async ({ contact, events: timeline, stored }) => {
    const replayed = replaySegments(index, contact, timeline, now, options.funnel);
    events += replayed.events;
    for (const [segmentId, state] of replayed.states) if (state.member) members.set(segmentId, (members.get(segmentId) ?? 0) + 1);
    const found = compareStates(contact.contactId, options.segments.keys(), stored, replayed.states);
    differences.push(...found);
    if (!options.dryRun) for (const difference of found) written += await repair(options, difference);
    contacts++;
    options.onProgress?.(contacts);
  });
  const sizes = new Map<string, { members: number; gauge: number }>();
  for (const [segmentId, count] of members) {
    const gauge = await sizeGauge(options, segmentId);
    sizes.set(segmentId, { members: count, gauge });
    if (!options.dryRun && gauge !== count) await addToSize(options, segmentId, count - gauge);
  }
  return { contacts, events, differences, written, sizes };
}

async function repair(options: RebuildOptions, difference: StateDifference): Promise<number> {
  const { db, tableName } = options;
  if (difference.rebuilt) await db.send(new PutCommand({ TableName: tableName, Item: segmentStateItem(difference.rebuilt) }));
  else await db.send(new DeleteCommand({ TableName: tableName, Key: keys.segmentState(difference.contactId, difference.segmentId) }));
  return 1;
}

/** The `size` gauge of a segment now: its `current` item in every shard, summed. */
export function sizeGauge(source: ReplaySource, segmentId: string): Promise<number> {
  return new DynamoSegmentCounters(source.db, source.tableName).size(segmentId);
}

/**
 * Corrects the gauge by an ADD on shard 0 rather than a Put: the reactor keeps adding to the shards while the
 * rebuild runs, and an ADD keeps its increments.
 */
async function addToSize(options: RebuildOptions, segmentId: string, delta: number): Promise<void> {
  await options.db.send(
    new UpdateCommand({
      TableName: options.tableName,
      Key: keys.metric(segmentMetric(segmentId), 0, 'current'),
      UpdateExpression: 'ADD #size :delta',
      ExpressionAttributeNames: { '#size': 'size' },
      ExpressionAttributeValues: { ':delta': delta },
    }),
  );
}

/** A segment file evaluated over every contact (`npm run segments -- preview`, `POST /segments/preview`). */
export interface Preview {
  /** Contacts evaluated: every contact when `complete`. */
  readonly contacts: number;
  readonly matching: number;
  /** Up to `sampleSize` members, by contact id, with their address and why they entered. */
  readonly sample: readonly { readonly contactId: string; readonly email: string; readonly reason: string }[];
  /** False when the budget ran out first: `matching` then counts only the contacts evaluated. */
  readonly complete: boolean;
}

/** How far a preview may read: it stops, answering what it found, at the first limit reached. */
export interface PreviewBudget {
  /** Contacts to evaluate at most. */
  readonly maxContacts?: number;
  /** Milliseconds of reading at most. */
  readonly maxMillis?: number;
  /** Reads the time for `maxMillis`. @default Date.now */
  readonly now?: () => number;
}

/**
 * Evaluates a segment not yet deployed over every contact by replaying its timeline, as a rebuild would: a scan of
 * the profiles and a Query of each contact's partition. A budget bounds it for a request.
 */
export async function previewSegment(
  source: ReplaySource & { readonly segment: Segment; readonly now: Date; readonly funnel?: Funnel; readonly sampleSize?: number; readonly budget?: PreviewBudget },
): Promise<Preview> {
  const index = indexSegments(new Map([[source.segment.id, source.segment]]));
  const now = source.now.toISOString();
  const sample: { contactId: string; email: string; reason: string }[] = [];
  const clock = source.budget?.now ?? Date.now;
  const started = clock();
  let contacts = 0;
  let matching = 0;
  let stopped = false;
  const stop = () => {
    const budget = source.budget;
    if (!stopped && budget) {
      stopped = (budget.maxContacts !== undefined && contacts >= budget.maxContacts) || (budget.maxMillis !== undefined && clock() - started >= budget.maxMillis);
    }
    return stopped;
  };
  await forEachContactRecord(
    source,
    ({ contact, events }) => {
      contacts++;
      const replayed: ReplayedSegments = replaySegments(index, contact, events, now, source.funnel);
      if (!replayed.states.get(source.segment.id)?.member) return;
      matching++;
      sample.push({ contactId: contact.contactId, email: contact.email, reason: replayed.reasons.get(source.segment.id) ?? '' });
      // Contact-id order, so the sample is the same whatever order the parallel scan returned contacts in.
      sample.sort((a, b) => a.contactId.localeCompare(b.contactId));
      sample.length = Math.min(sample.length, source.sampleSize ?? 10);
    },
    stop,
  );
  return { contacts, matching, sample, complete: !stopped };
}
