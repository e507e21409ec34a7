import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type * as z from 'zod';
import { CorruptItem } from '../contacts/contacts';
import { parseContact, toItem } from '../contacts/dynamo-contacts';
import { DateIndexEntry, JourneyWait, Membership } from '../journeys/domain/membership';
import { countUpdate, reportStateItem, reportStateOf } from '../reports/dynamo-report-state';
import { DATE_INDEX_PREFIX, dateIndexKeys, keys, STATE_SK_FLOOR } from '../shared/keys';
import type { TimelineEvent } from '../shared/timeline';
import type { WriteDecision } from './domain/decisions';
import { LifecycleConflict, type CommitOutcome, type LifecycleAsLoaded, type LoadedState, type ReactorStore } from './ports';
import { queryAll } from '../shared/query';

/**
 * The reactor's state and writes in the single table. Loading is two consistent reads made together: the
 * event's marker, and one Query for the profile with every per-contact state item (journey memberships, waits,
 * date index) — never the timeline; committing is one TransactWriteItems whose first item is the conditional marker, so a
 * redelivered record, or two deliveries racing, apply the writes once. The score and stage update is conditional on
 * the profile's score and stage as loaded, so a rescore written in between is never overwritten by a stale score.
 */
export class DynamoReactorStore implements ReactorStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(event: TimelineEvent): Promise<LoadedState> {
    const eventKey = keys.event(event.contactId, event.eventId);
    const [marker, state] = await Promise.all([
      this.db.send(new GetCommand({ TableName: this.tableName, Key: eventKey, ConsistentRead: true, ProjectionExpression: 'processedAt, PK' })),
      this.contactState(event.contactId),
    ]);
    const profile = state.find((item) => item.SK === 'PROFILE');
    if (!marker.Item || !profile) return { type: 'Gone' };
    if (marker.Item.processedAt !== undefined) return { type: 'AlreadyProcessed' };
    const of = (prefix: string) => state.filter((item) => String(item.SK).startsWith(prefix));
    return {
      type: 'Loaded',
      contact: parseContact(profile),
      memberships: of('JOURNEY#').map((item) => parseState(Membership, item)),
      waits: of('WAIT#').map((item) => parseState(JourneyWait, item)),
      dateIndex: of(DATE_INDEX_PREFIX).map((item) => parseState(DateIndexEntry, item)),
      ...reportStateOf(state),
      asLoaded: { score: profile.score, stage: profile.stage },
    };
  }

  /** The profile and every per-contact state item (memberships, waits, …): one consistent Query, no timeline. */
  private async contactState(contactId: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND SK >= :floor',
      ExpressionAttributeValues: { ':pk': keys.profile(contactId).PK, ':floor': STATE_SK_FLOOR },
      ConsistentRead: true,
    });
  }

  async commit(event: TimelineEvent, writes: readonly WriteDecision[], at: Date, asLoaded: LifecycleAsLoaded): Promise<CommitOutcome> {
    const items: Record<string, unknown>[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: keys.event(event.contactId, event.eventId),
          UpdateExpression: 'SET processedAt = :at',
          ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(processedAt)',
          ExpressionAttributeValues: { ':at': at.toISOString() },
        },
      },
    ];
    // Where the guarded profile update sits, to tell its refusal from the marker's in the cancellation reasons.
    let profileAt = -1;
    for (const write of writes) {
      if (write.type === 'UpdateLifecycle' && (write.score || write.stage)) profileAt = items.length;
      items.push(...this.write(write, asLoaded));
    }
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      return { type: 'Applied' };
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      // The marker's own condition: processed already (or the event erased). Checked first: it wins over the rest.
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return { type: 'AlreadyProcessed' };
      if (profileAt > 0 && reasons[profileAt]?.Code === 'ConditionalCheckFailed') {
        throw new LifecycleConflict(`contact ${event.contactId}: score or stage changed since event ${event.eventId} was loaded`);
      }
      throw error;
    }
  }

  private write(decision: WriteDecision, asLoaded: LifecycleAsLoaded): Record<string, unknown>[] {
    switch (decision.type) {
      case 'UpdateLifecycle':
        return this.updateLifecycle(decision, asLoaded);
      case 'RecordMembership':
        return [{ Put: { TableName: this.tableName, Item: { ...keys.membership(decision.contactId, decision.membership.journeyId), ...decision.membership } } }];
      case 'AppendEvent':
        return [{ Put: { TableName: this.tableName, Item: toItem(decision.event) } }];
      case 'DeleteWait':
        return [{ Delete: { TableName: this.tableName, Key: keys.wait(decision.contactId, decision.executionName, decision.stepId) } }];
      case 'IndexDate':
        return [
          decision.date === null
            ? { Delete: { TableName: this.tableName, Key: keys.dateIndex(decision.contactId, decision.attribute) } }
            : {
                Put: {
                  TableName: this.tableName,
                  Item: {
                    ...keys.dateIndex(decision.contactId, decision.attribute),
                    ...dateIndexKeys(decision.attribute, decision.date, decision.contactId),
                    attribute: decision.attribute,
                    date: decision.date,
                    contactId: decision.contactId,
                  },
                },
              },
        ];
      case 'CountMetric':
        return [{ Update: { TableName: this.tableName, ...countUpdate(decision) } }];
      case 'SaveReportState':
        return [{ Put: { TableName: this.tableName, Item: reportStateItem(decision.contactId, decision.state) } }];
    }
  }

  /**
   * One Update of the profile (score, stage) and one conditional Put per derived event (deterministic ids). The
   * Update applies only while the profile's score and stage are as loaded: the rules computed the new ones from
   * them (behaviour points carried over, the stage moved from), and `npm run rescore` may have rewritten them since.
   * Score and stage only, not `updatedAt`: form posts and journey steps change it all the time, and the next event
   * re-evaluates the fit they change anyway.
   */
  private updateLifecycle(decision: Extract<WriteDecision, { type: 'UpdateLifecycle' }>, asLoaded: LifecycleAsLoaded): Record<string, unknown>[] {
    const sets: string[] = [];
    const conditions = ['attribute_exists(PK)'];
    const values: Record<string, unknown> = {};
    const asStored = [['score', ':loadedScore', asLoaded.score], ['stage', ':loadedStage', asLoaded.stage]] as const;
    for (const [attribute, placeholder, value] of asStored) {
      if (value === undefined) {
        conditions.push(`attribute_not_exists(${attribute})`);
      } else {
        conditions.push(`${attribute} = ${placeholder}`);
        values[placeholder] = value;
      }
    }
    if (decision.score) {
      sets.push('score = :score');
      values[':score'] = decision.score;
    }
    if (decision.stage) {
      sets.push('stage = :stage', 'stageChangedAt = :stageAt');
      values[':stage'] = decision.stage.to;
      values[':stageAt'] = decision.stage.at;
    }
    const profile = sets.length
      ? [
          {
            Update: {
              TableName: this.tableName,
              Key: keys.profile(decision.contactId),
              UpdateExpression: `SET ${sets.join(', ')}`,
              ConditionExpression: conditions.join(' AND '),
              ExpressionAttributeValues: values,
            },
          },
        ]
      : [];
    const events = decision.events.map((event) => ({
      Put: { TableName: this.tableName, Item: toItem(event), ConditionExpression: 'attribute_not_exists(PK)' },
    }));
    return [...profile, ...events];
  }
}

/** A per-contact state item, parsed with the schema that wrote it. */
function parseState<T extends z.ZodType>(schema: T, item: Record<string, unknown>): z.infer<T> {
  const parsed = schema.safeParse(item);
  if (!parsed.success) throw new CorruptItem(`${String(item.PK)} ${String(item.SK)} does not match its schema`);
  return parsed.data;
}
