import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventName } from '../shared/events';
import { deterministicId, type Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import type { Journey } from './domain/journey-file';
import type { JourneyStore } from './ports';
import { queryAll } from '../shared/query';

/** Contacts whose date attribute falls on a day: through GSI1, never a scan. */
export interface DateIndexReader {
  contactsOn(attribute: string, date: string, yearly: boolean): Promise<string[]>;
}

export interface JourneySweepDeps {
  readonly journeys: ReadonlyMap<string, Journey>;
  readonly dates: DateIndexReader;
  readonly store: JourneyStore;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The daily sweep behind date triggers (an EventBridge Scheduler rule, once a day): for each date trigger, the
 * contacts whose date minus the trigger's offset is today get a `journey.enrollment_requested` event, and the
 * reactor enrols them. Event ids derive from journey, contact and day, so a second sweep of the same day (a retry,
 * a manual run) requests nothing twice.
 */
export const makeJourneySweep =
  (deps: JourneySweepDeps) =>
  async (input?: { readonly day?: string }): Promise<{ readonly requested: number }> => {
    const today = input?.day ?? deps.clock.now().toISOString().slice(0, 10);
    const midnight = new Date(`${today}T00:00:00.000Z`);
    let requested = 0;
    for (const journey of deps.journeys.values()) {
      for (const trigger of journey.triggers) {
        if (trigger.on !== 'date') continue;
        // The trigger fires on date + offset = today, so the date is today − offset.
        const date = new Date(midnight.getTime() - trigger.offset * 1_000).toISOString().slice(0, 10);
        for (const contactId of await deps.dates.contactsOn(trigger.attribute, date, trigger.yearly)) {
          const appended = await deps.store.append({
            eventId: deterministicId(midnight, `sweep#${journey.id}#${trigger.attribute}#${today}#${contactId}`),
            contactId,
            occurredAt: midnight.toISOString(),
            type: EventName.JourneyEnrollmentRequested,
            data: { journeyId: journey.id, source: 'date', attribute: trigger.attribute, date },
          });
          if (appended === 'Appended') requested++;
        }
      }
    }
    deps.logger.info('date sweep', { day: today, requested });
    return { requested };
  };

/** GSI1 items `DATE#<attribute>#<mm-dd>` / `<yyyy>#<contactId>`, written by the reactor as attributes change. */
export class DynamoDateIndex implements DateIndexReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async contactsOn(attribute: string, date: string, yearly: boolean): Promise<string[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: 'GSI1',
      KeyConditionExpression: yearly ? 'GSI1PK = :pk' : 'GSI1PK = :pk AND begins_with(GSI1SK, :year)',
      ExpressionAttributeValues: { ':pk': `DATE#${attribute}#${date.slice(5, 10)}`, ...(yearly ? {} : { ':year': `${date.slice(0, 4)}#` }) },
    });
    return items.map((item) => String(item.contactId));
  }
}
