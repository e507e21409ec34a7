import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { parseTimelineItem, type TimelineEvent } from '../shared/timeline';
import { decide, defaultRules } from './domain/decide';
import { isWrite, type CallDecision, type Rule } from './domain/decisions';
import { LifecycleConflict, type EmailSender, type HandOffQueue, type JourneyStarter, type ReactorStore } from './ports';

export interface ReactorDeps {
  readonly store: ReactorStore;
  /** Applies StartJourney decisions. */
  readonly journeys: JourneyStarter;
  /** Applies HandOff decisions (functions/crm). Without it, a HandOff decision fails the record. */
  readonly handOffs?: HandOffQueue;
  /** Applies SendEmail decisions (functions/email). Without it, a SendEmail decision fails the record. */
  readonly emails?: EmailSender;
  readonly clock: Clock;
  readonly logger: Logger;
  /** @default defaultRules */
  readonly rules?: readonly Rule[];
}

export type Reaction =
  | { readonly type: 'Applied'; readonly decisions: number }
  | { readonly type: 'AlreadyProcessed' }
  | { readonly type: 'Gone' };

/**
 * One event, three steps: load what the rules need, decide (pure), then apply the decisions — calls first (each
 * idempotent), then every write in one transaction with the processed marker. A failure anywhere leaves the
 * marker unset, so the record is retried and nothing is lost; a retry repeats only idempotent calls. A commit refused
 * because the profile's score or stage changed since the load ({@link LifecycleConflict}) fails the same way: the
 * retry loads the new profile and decides again.
 */
export async function react(event: TimelineEvent, deps: ReactorDeps): Promise<Reaction> {
  const loaded = await deps.store.load(event);
  if (loaded.type !== 'Loaded') return loaded;

  const { type: _loaded, asLoaded, ...state } = loaded;
  const decisions = decide({ event, ...state }, deps.rules ?? defaultRules);
  for (const decision of decisions) if (!isWrite(decision)) await call(decision, deps);
  const committed = await deps.store.commit(event, decisions.filter(isWrite), deps.clock.now(), asLoaded);
  return committed.type === 'Applied' ? { type: 'Applied', decisions: decisions.length } : committed;
}

async function call(decision: CallDecision, deps: ReactorDeps): Promise<void> {
  switch (decision.type) {
    case 'StartJourney':
      await deps.journeys.start(decision);
      return;
    case 'StopJourney':
      await deps.journeys.stop(decision);
      return;
    case 'ResumeJourney':
      await deps.journeys.resume(decision);
      return;
    case 'HandOff':
      if (!deps.handOffs) throw new Error('a HandOff decision needs the handOffs port');
      await deps.handOffs.enqueue(decision);
      return;
    case 'SendEmail':
      if (!deps.emails) throw new Error('a SendEmail decision needs the emails port');
      await deps.emails.send(decision);
      return;
  }
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
        // Expected while `npm run rescore` runs: not an error, but the record is retried all the same.
        if (error instanceof LifecycleConflict) deps.logger.warn('profile changed since it was loaded; batch will be retried from this record', { error, sequenceNumber });
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
