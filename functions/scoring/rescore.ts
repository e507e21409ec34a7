import { QueryCommand, ScanCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Contact } from '../contacts/domain/contact';
import { parseContact, parseEvent, toItem } from '../contacts/dynamo-contacts';
import { EventName } from '../shared/events';
import { EVENT_PREFIX, keys } from '../shared/keys';
import type { TimelineEvent } from '../shared/timeline';
import { derivedEventId } from './domain/derived-id';
import { stageRank, type Lifecycle } from './domain/lifecycle';
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
}

/**
 * Recomputes every contact's score and stage from its timeline with the current rules (`npm run rescore`). A
 * changed score is written with a `score.changed` event (cause `rescore`); a stage that moves forward is written
 * with a `stage.changed` event, so the reactor hands new MQLs off as usual. Stages never move backward: a contact
 * the new rules would place lower keeps its stage, and is counted. Event ids derive from the rules' version, so a
 * second run of the same version appends nothing twice.
 */
export async function rescoreAll(options: RescoreOptions): Promise<RescoreSummary> {
  const totals = { contacts: 0, events: 0, scoreChanged: 0, stageChanged: 0, stageForward: 0, stageBackward: 0, written: 0 };
  const segments = options.segments ?? 4;
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await options.db.send(
          new ScanCommand({
            TableName: options.tableName,
            Segment: segment,
            TotalSegments: segments,
            FilterExpression: 'SK = :profile',
            ExpressionAttributeValues: { ':profile': 'PROFILE' },
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          await rescoreOne(parseContact(item), options, totals);
          totals.contacts++;
          options.onProgress?.(totals.contacts);
        }
        start = page.LastEvaluatedKey;
      } while (start);
    }),
  );
  return totals;
}

async function timelineOf(db: DynamoDBDocumentClient, tableName: string, contactId: string): Promise<TimelineEvent[]> {
  const events: TimelineEvent[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.profile(contactId).PK, ':prefix': EVENT_PREFIX },
        ExclusiveStartKey: start,
      }),
    );
    events.push(...(page.Items ?? []).map(parseEvent));
    start = page.LastEvaluatedKey;
  } while (start);
  return events.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.eventId.localeCompare(b.eventId));
}

async function rescoreOne(contact: Contact, options: RescoreOptions, totals: { -readonly [K in keyof RescoreSummary]: number }) {
  const events = await timelineOf(options.db, options.tableName, contact.contactId);
  const replayed = replayTimeline(options.rules, options.lifecycle, contact, events);
  totals.events += replayed.events;
  const storedStage = contact.stage ?? options.lifecycle.initial;
  const scoreChanges = (contact.score?.total ?? 0) !== replayed.score.total || contact.score?.version !== replayed.score.version;
  const stageChanges = storedStage !== replayed.stage;
  const from = stageRank(options.lifecycle, storedStage);
  const to = stageRank(options.lifecycle, replayed.stage);
  const forward = stageChanges && to !== undefined && (from === undefined ? storedStage !== 'disqualified' : to > from);
  if ((contact.score?.total ?? 0) !== replayed.score.total) totals.scoreChanged++;
  if (stageChanges) {
    totals.stageChanged++;
    if (forward) totals.stageForward++;
    else totals.stageBackward++;
  }
  if (options.dryRun || (!scoreChanges && !forward)) return;

  const at = options.now.toISOString();
  const seed = `${contact.contactId}:${String(options.rules.version)}`;
  const causeId = events.at(-1)?.eventId ?? contact.contactId;
  const derived: TimelineEvent[] = [];
  if (scoreChanges) {
    derived.push({
      eventId: derivedEventId(causeId, `rescore-score:${seed}`),
      contactId: contact.contactId,
      occurredAt: at,
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
      eventId: derivedEventId(causeId, `rescore-stage:${seed}`),
      contactId: contact.contactId,
      occurredAt: at,
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
  await options.db.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: options.tableName,
            Key: keys.profile(contact.contactId),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeValues: values,
          },
        },
        ...derived.map((event) => ({ Put: { TableName: options.tableName, Item: toItem(event) } })),
      ],
    }),
  );
  totals.written++;
}
