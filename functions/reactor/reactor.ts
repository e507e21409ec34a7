import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { defaultRules, registered, type CapabilityPorts, type Rule, type WriteDecision } from '../capabilities';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { parseTimelineItem, type TimelineEvent } from '../shared/timeline';
import { WriteConflict, type Composition } from './capability';
import { decideWith } from './domain/decide';
import type { ReactorStore } from './ports';

/** The reactor's own dependencies, and the ports the registered capabilities apply their calls through. */
export type ReactorDeps = CapabilityPorts & {
  readonly store: ReactorStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** @default every registered capability's rules */
  readonly rules?: readonly Rule[];
  /** Who applies each decision. @default the registered capabilities (functions/capabilities.ts) */
  readonly composition?: Composition;
};

export type Reaction =
  | { readonly type: 'Applied'; readonly decisions: number }
  | { readonly type: 'AlreadyProcessed' }
  | { readonly type: 'Gone' };

/**
 * One event, three steps: load what the rules need, decide (pure), then apply the decisions — calls first (each
 * idempotent), then every write in one transaction with the processed marker. A failure anywhere leaves the
 * marker unset, so the record is retried and nothing is lost; a retry repeats only idempotent calls. A write refused
 * because the state it was decided from changed since the load ({@link WriteConflict}) fails the same way: the
 * retry loads the new state and decides again.
 */
export async function react(event: TimelineEvent, deps: ReactorDeps): Promise<Reaction> {
  const composition = deps.composition ?? registered;
  const loaded = await deps.store.load(event);
  if (loaded.type !== 'Loaded') return loaded;

  const { type: _loaded, asLoaded, ...state } = loaded;
  const decisions = decideWith({ event, ...state }, deps.rules ?? defaultRules);
  for (const decision of decisions) if (!composition.isWrite(decision)) await composition.call(decision, deps);
  const committed = await deps.store.commit(event, decisions.filter((decision): decision is WriteDecision => composition.isWrite(decision)), deps.clock.now(), asLoaded);
  return committed.type === 'Applied' ? { type: 'Applied', decisions: decisions.length } : committed;
}

/**
 * Reacts to new timeline events from the table stream, in order. On the first failure it reports that record
 * (partial batch response) so Lambda retries from there; everything before it is done and marked.
 */
export const makeReactor =
  (deps: ReactorDeps) =>
  async (stream: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    for (const record of stream.Records) {
      try {
        const event = timelineEventOf(record);
        if (!event) {
          deps.logger.warn('stream record is not a timeline event; skipped', { eventID: record.eventID });
          continue;
        }
        const outcome = await react(event, deps);
        deps.logger.info('reacted', { contactId: event.contactId, eventId: event.eventId, outcome: outcome.type });
      } catch (error) {
        const sequenceNumber = record.dynamodb?.SequenceNumber;
        // Expected while another writer rewrites loaded state (another writer's recomputation): not an error, but retried all the same.
        if (error instanceof WriteConflict) deps.logger.warn('state changed since it was loaded; batch will be retried from this record', { error, sequenceNumber });
        else deps.logger.error('reaction failed; batch will be retried from this record', { error, sequenceNumber });
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  };

/** The event a stream record inserted, parsed with the timeline's own schema. */
function timelineEventOf(record: DynamoDBRecord): TimelineEvent | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !image) return undefined;
  return parseTimelineItem(unmarshall(image as Record<string, AttributeValue>));
}
