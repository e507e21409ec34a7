import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { forEachProfile } from '../shared/scan-profiles';
import type { Contact } from '../shared/contact';
import { parseContact, parseEvent, toItem } from '../contacts/dynamo-contacts';
import { EventName } from '../shared/events';
import { EVENT_PREFIX, keys } from '../shared/keys';
import { queryAll } from '../shared/query';
import type { TimelineEvent } from '../shared/timeline';
import { derivedEventId } from './domain/derived-id';
import { stageRank, type Lifecycle } from '../shared/lifecycle';
import { replayTimeline } from './domain/replay';
import type { ScoringRules } from './domain/scoring-rules';

export interface RescoreOptions {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly rules: ScoringRules;
  readonly lifecycle: Lifecycle;
  /** Report only; write nothing. */
  readonly dryRun: boolean;
  readonly now: Date;
  /** Parallel scan segments. @default 4 */
  readonly segments?: number;
  readonly onProgress?: (done: number) => void;
}

export interface RescoreSummary {
  readonly contacts: number;
  readonly events: number;
  /** Contacts whose total score changes. */
  readonly scoreChanged: number;
  /** Contacts whose stage changes (forward moves are applied; backward ones are only reported). */
  readonly stageChanged: number;
  readonly stageForward: number;
  readonly stageBackward: number;
  readonly written: number;
  /**
   * Writes refused because the contact changed between rescore's read and its write (the reactor scored a new
   * event, a form post changed an attribute): each time the contact is read again and recomputed.
   */
  readonly conflicts: number;
  /** Contacts still changing after {@link MAX_ATTEMPTS} tries, left as the reactor wrote them: run rescore again. */
  readonly skipped: number;
}

/** Tries per contact: a contact the reactor writes to this often in a few seconds is left for another run. */
export const MAX_ATTEMPTS = 5;

/**
 * Recomputes every contact's score and stage from its timeline with the current rules (`npm run rescore`). A
 * changed score is written with a `score.changed` event (cause `rescore`); a stage that moves forward is written
 * with a `stage.changed` event, so the reactor hands new MQLs off as usual. Stages never move backward: a contact
 * the new rules would place lower keeps its stage, and is counted. Event ids derive from the rules' version, so a
 * second run of the same version appends nothing twice.
 *
 * The reactor keeps scoring while rescore runs, so each write is conditional on the profile as it was read (its
 * score, stage and `updatedAt`): if the reactor scored a new event in between, the write is refused rather than
 * overwriting that event's points, and the contact is read again (consistently) and recomputed. The other way round
 * holds too: the reactor's score and stage update is conditional on the score and stage it loaded
 * (functions/reactor/dynamo-reactor-store.ts), so a rescore written between its load and its commit fails that
 * stream record, which is retried from the rescored profile.
 */
export async function rescoreAll(options: RescoreOptions): Promise<RescoreSummary> {
  const totals = { contacts: 0, events: 0, scoreChanged: 0, stageChanged: 0, stageForward: 0, stageBackward: 0, written: 0, conflicts: 0, skipped: 0 };
  const segments = options.segments ?? 4;
  await forEachProfile(options.db, options.tableName, segments, async (item) => {
    await rescoreOne(item, options, totals);
    totals.contacts++;
    options.onProgress?.(totals.contacts);
  });
  return totals;
}

async function timelineOf(db: DynamoDBDocumentClient, tableName: string, contactId: string): Promise<TimelineEvent[]> {
  const items = await queryAll(db, {
    TableName: tableName,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.profile(contactId).PK, ':prefix': EVENT_PREFIX },
  });
  return items.map(parseEvent).sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.eventId.localeCompare(b.eventId));
}

type Totals = { -readonly [K in keyof RescoreSummary]: number };

/**
 * Rescores one contact from its profile item as read (by the scan first, which may be stale: the condition catches
 * that too), retrying from a consistent read while the write finds the profile changed.
 */
async function rescoreOne(item: Record<string, unknown>, options: RescoreOptions, totals: Totals) {
  let read: Record<string, unknown> | undefined = item;
  for (let attempt = 1; read; attempt++) {
    const contact = parseContact(read);
    const plan = planRescore(contact, await timelineOf(options.db, options.tableName, contact.contactId), options);
    if (options.dryRun || !plan.write) return count(plan, totals);
    try {
      await options.db.send(new TransactWriteCommand({ TransactItems: [conditional(plan.write.profile, read), ...plan.write.events] }));
      count(plan, totals);
      totals.written++;
      return;
    } catch (error) {
      const reason = error instanceof TransactionCanceledException ? error.CancellationReasons?.[0]?.Code : undefined;
      if (reason !== 'ConditionalCheckFailed') throw error;
      totals.conflicts++;
      if (attempt >= MAX_ATTEMPTS) {
        totals.skipped++;
        return;
      }
      read = await profileItem(options, contact.contactId);
    }
  }
}

async function profileItem(options: RescoreOptions, contactId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await options.db.send(new GetCommand({ TableName: options.tableName, Key: keys.profile(contactId), ConsistentRead: true }));
  return Item;
}

/**
 * The profile update, only if the profile is still as read: the same score (the whole map, compared as DynamoDB
 * compares maps), stage and `updatedAt` (attributes feed the fit rules). The stored values are compared, not the
 * parsed ones, so a field the schema does not know cannot make every attempt conflict.
 */
function conditional(update: ProfileUpdate, read: Record<string, unknown>) {
  const conditions = ['attribute_exists(PK)'];
  const values: Record<string, unknown> = { ...update.ExpressionAttributeValues };
  const same = (attribute: string, placeholder: string) => {
    if (read[attribute] === undefined) {
      conditions.push(`attribute_not_exists(${attribute})`);
    } else {
      conditions.push(`${attribute} = ${placeholder}`);
      values[placeholder] = read[attribute];
    }
  };
  same('score', ':readScore');
  same('stage', ':readStage');
  same('updatedAt', ':readUpdatedAt');
  return { Update: { ...update, ConditionExpression: conditions.join(' AND '), ExpressionAttributeValues: values } };
}

interface ProfileUpdate {
  readonly TableName: string;
  readonly Key: Record<string, string>;
  readonly UpdateExpression: string;
  readonly ExpressionAttributeValues: Record<string, unknown>;
}

interface Plan {
  readonly events: number;
  readonly scoreChanged: boolean;
  readonly stageChanged: boolean;
  readonly forward: boolean;
  /** Absent when nothing changes. */
  readonly write?: { readonly profile: ProfileUpdate; readonly events: readonly { Put: { TableName: string; Item: Record<string, unknown> } }[] };
}

function count(plan: Plan, totals: Totals) {
  totals.events += plan.events;
  if (plan.scoreChanged) totals.scoreChanged++;
  if (plan.stageChanged) {
    totals.stageChanged++;
    if (plan.forward) totals.stageForward++;
    else totals.stageBackward++;
  }
}

/** What rescoring the contact from this timeline changes, and the writes that record it. */
function planRescore(contact: Contact, events: readonly TimelineEvent[], options: RescoreOptions): Plan {
  const replayed = replayTimeline(options.rules, options.lifecycle, contact, events);
  const storedStage = contact.stage ?? options.lifecycle.initial;
  const scoreChanges = (contact.score?.total ?? 0) !== replayed.score.total || contact.score?.version !== replayed.score.version;
  const stageChanged = storedStage !== replayed.stage;
  const from = stageRank(options.lifecycle, storedStage);
  const to = stageRank(options.lifecycle, replayed.stage);
  const forward = stageChanged && to !== undefined && (from === undefined ? storedStage !== 'disqualified' : to > from);
  const plan = { events: replayed.events, scoreChanged: (contact.score?.total ?? 0) !== replayed.score.total, stageChanged, forward };
  if (!scoreChanges && !forward) return plan;

  const at = options.now.toISOString();
  const seed = `${contact.contactId}:${String(options.rules.version)}`;
  const causeId = events.at(-1)?.eventId ?? contact.contactId;
  const derived: TimelineEvent[] = [];
  // Deterministic ids: the same rescore of the same timeline derives the same event ids.
  const envelopeOf = (kind: 'score' | 'stage') => ({ eventId: derivedEventId(causeId, `rescore-${kind}:${seed}`), contactId: contact.contactId, occurredAt: at });
  if (scoreChanges) {
    derived.push({
      ...envelopeOf('score'),
      type: EventName.ScoreChanged,
      data: {
        fit: replayed.score.fit,
        behaviour: replayed.score.behaviour,
        total: replayed.score.total,
        previousTotal: contact.score?.total ?? 0,
        version: replayed.score.version,
        ruleIds: [],
        cause: 'rescore',
      },
    });
  }
  if (forward) {
    derived.push({
      ...envelopeOf('stage'),
      type: EventName.StageChanged,
      data: { from: storedStage, to: replayed.stage, reason: `rescore with scoring rules version ${String(options.rules.version)}` },
    });
  }
  const values: Record<string, unknown> = { ':score': replayed.score };
  const sets = ['score = :score'];
  if (forward) {
    sets.push('stage = :stage', 'stageChangedAt = :at');
    values[':stage'] = replayed.stage;
    values[':at'] = at;
  }
  return {
    ...plan,
    write: {
      profile: { TableName: options.tableName, Key: keys.profile(contact.contactId), UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeValues: values },
      events: derived.map((event) => ({ Put: { TableName: options.tableName, Item: toItem(event) } })),
    },
  };
}
