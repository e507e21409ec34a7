import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod';
import { EventName } from '../shared/events';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { reactionsTo, type ObservedEvent } from './domain/reactions';
import type { Reactions } from './dynamo-reactions';

export interface ReactorDeps {
  readonly reactions: Reactions;
  readonly clock: Clock;
  readonly logger: Logger;
}

const StreamedEvent = z.object({
  contactId: z.string().min(1),
  eventId: z.string().min(1),
  type: z.enum(Object.values(EventName) as [EventName, ...EventName[]]),
  occurredAt: z.iso.datetime(),
});

/**
 * Reacts to new timeline events from the table stream, in order. On the first failure it reports that record
 * (partial batch response) so Lambda retries from there; everything before it is done and marked.
 */
export const makeReactor =
  (deps: ReactorDeps) =>
  async (stream: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    for (const record of stream.Records) {
      try {
        const event = observed(record);
        if (!event) {
          deps.logger.warn('stream record is not a timeline event; skipped', { eventID: record.eventID });
          continue;
        }
        const outcome = await deps.reactions.apply(event, reactionsTo(event), deps.clock.now());
        deps.logger.info('reacted', { contactId: event.contactId, eventId: event.eventId, outcome: outcome.type });
      } catch (error) {
        deps.logger.error('reaction failed; batch will be retried from this record', {
          error,
          sequenceNumber: record.dynamodb?.SequenceNumber,
        });
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  };

function observed(record: DynamoDBRecord): ObservedEvent | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !image) return undefined;
  const parsed = StreamedEvent.safeParse(unmarshall(image as Record<string, AttributeValue>));
  return parsed.success ? parsed.data : undefined;
}
