import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { registered, type WriteDecision } from '../capabilities';
import { Contact } from '../shared/contact';
import { parseItem } from '../shared/items';
import { keys, STATE_SK_FLOOR } from '../shared/keys';
import { queryAll } from '../shared/query';
import type { TimelineEvent } from '../shared/timeline';
import type { Composition, StateItems, TransactEntry } from './capability';
import type { CommitOutcome, LoadedState, ReactorStore } from './ports';

/**
 * The reactor's state and writes in the single table. Loading is two consistent reads made together: the
 * event's marker, and one Query for the profile with every per-contact state item the capabilities declare (by SK
 * prefix) — never the timeline; committing is one TransactWriteItems whose first item is the conditional marker,
 * so a redelivered record, or two deliveries racing, apply the writes once. A capability's write may be
 * conditional on the state as loaded; its refusal raises that capability's conflict, and nothing is written.
 */
export class DynamoReactorStore implements ReactorStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly composition: Composition = registered,
  ) {}

  async load(event: TimelineEvent): Promise<LoadedState> {
    const eventKey = keys.event(event.contactId, event.eventId);
    const [marker, items] = await Promise.all([
      this.db.send(new GetCommand({ TableName: this.tableName, Key: eventKey, ConsistentRead: true, ProjectionExpression: 'processedAt, PK' })),
      this.subjectState(event.contactId),
    ]);
    const profile = items.find((item) => item.SK === 'PROFILE');
    if (!marker.Item || !profile) return { type: 'Gone' };
    if (marker.Item.processedAt !== undefined) return { type: 'AlreadyProcessed' };
    const state: Record<string, unknown> = {};
    let asLoaded: Record<string, unknown> = {};
    for (const capability of this.composition.capabilities) {
      for (const [field, spec] of Object.entries((capability.state ?? {}) as Readonly<Record<string, StateItems<unknown>>>)) {
        const parsed = items.filter((item) => String(item.SK).startsWith(spec.prefix)).map((item) => parseItem(spec.schema, item));
        if (spec.single) {
          if (parsed.length) state[field] = parsed[0];
        } else state[field] = parsed;
      }
      if (capability.asLoaded) asLoaded = { ...asLoaded, ...capability.asLoaded(profile) };
    }
    return { type: 'Loaded', contact: parseItem(Contact, profile), ...state, asLoaded };
  }

  /** The profile and every per-contact state item: one consistent Query of the partition from the state floor, no timeline. */
  private async subjectState(contactId: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND SK >= :floor',
      ExpressionAttributeValues: { ':pk': keys.profile(contactId).PK, ':floor': STATE_SK_FLOOR },
      ConsistentRead: true,
    });
  }

  async commit(event: TimelineEvent, writes: readonly WriteDecision[], at: Date, asLoaded: Readonly<Record<string, unknown>>): Promise<CommitOutcome> {
    const marker: TransactEntry = {
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.event(event.contactId, event.eventId),
          UpdateExpression: 'SET processedAt = :at',
          ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(processedAt)',
          ExpressionAttributeValues: { ':at': at.toISOString() },
        },
      },
    };
    const context = { tableName: this.tableName, event, asLoaded, at };
    const entries = [marker, ...writes.flatMap((write) => this.composition.write(write, context))];
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: entries.map((entry) => entry.item) }));
      return { type: 'Applied' };
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      // The marker's own condition: processed already (or the event erased). Checked first: it wins over the rest.
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return { type: 'AlreadyProcessed' };
      const refused = entries.findIndex((entry, index) => entry.onRefused && reasons[index]?.Code === 'ConditionalCheckFailed');
      if (refused > 0) throw entries[refused]!.onRefused!();
      throw error;
    }
  }
}
