import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { putEventOnce } from '../contacts/dynamo-contacts';
import { EventName } from '../shared/events';
import { deterministicId, type Clock } from '../shared/ids';
import { segmentReviewPartition } from '../shared/keys';
import type { Logger } from '../shared/logger';
import { queryAll } from '../shared/query';
import { cancellationReasons, transactWrite } from '../shared/transactions';

/** A contact's segment states whose window may end at one moment. */
export interface DueReview {
  readonly contactId: string;
  readonly reviewAt: string;
  readonly segmentIds: readonly string[];
}

/** The segment states due for review, found through GSI2 by the hour they fall in, never a scan. */
export interface ReviewIndex {
  dueIn(hour: string, until: string): Promise<{ contactId: string; segmentId: string; reviewAt: string }[]>;
}

/** Appends one event to a contact's timeline unless it is there already (or the contact is gone). */
export interface ReviewAppender {
  append(review: DueReview): Promise<'Appended' | 'AlreadyAppended' | 'NoSuchContact'>;
}

/** Where the last sweep got to: the hour it read last (read again next time: it was not over). */
export interface SweepCursor {
  read(): Promise<string | undefined>;
  write(hour: string): Promise<void>;
}

export interface SegmentSweepDeps {
  readonly index: ReviewIndex;
  readonly cursor: SweepCursor;
  readonly appender: ReviewAppender;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * How far back the sweep reads at most: from the hour its last run read (the cursor), or a day back on its first run,
 * and never more than a week (after a longer outage, `npm run segments -- rebuild` reviews the rest). A state is filed
 * under the hour its review falls due, or the hour it was written when that is later (functions/segments/capability.ts),
 * so every due state is in an hour at or after the cursor.
 */
export const SWEEP_LOOKBACK_HOURS = 7 * 24;
const FIRST_RUN_HOURS = 24;

/**
 * The sweep behind time windows (an EventBridge Scheduler rule, every 15 minutes): every contact whose segment
 * window ends by now gets a `segment.review_due` event at that moment, and the reactor re-evaluates those segments
 * — so a lapse is written, counted and seen by journeys like any other change, in the reactor's one transaction.
 * Event ids derive from the contact, the moment and the segments, so a second sweep (a retry, the next run before
 * the reactor caught up) appends nothing twice.
 */
export const makeSegmentSweep =
  (deps: SegmentSweepDeps) =>
  async (): Promise<{ readonly due: number; readonly appended: number }> => {
    const now = deps.clock.now();
    const until = now.toISOString();
    const hourMs = 3_600_000;
    const thisHour = Math.floor(now.getTime() / hourMs) * hourMs;
    const stored = await deps.cursor.read();
    // A cursor ahead of the clock (a local dev clock moved back) is no guide: read as on a first run.
    const last = stored && Date.parse(stored) <= thisHour ? Date.parse(stored) : thisHour - FIRST_RUN_HOURS * hourMs;
    const from = Math.max(last, thisHour - SWEEP_LOOKBACK_HOURS * hourMs);
    const found = [];
    for (let hour = from; hour <= thisHour; hour += hourMs) {
      found.push(...(await deps.index.dueIn(segmentReviewPartition(new Date(hour).toISOString()), until)));
    }
    const byMoment = new Map<string, { contactId: string; reviewAt: string; segmentIds: string[] }>();
    for (const item of found) {
      const key = `${item.contactId}#${item.reviewAt}`;
      const review = byMoment.get(key) ?? { contactId: item.contactId, reviewAt: item.reviewAt, segmentIds: [] };
      review.segmentIds.push(item.segmentId);
      byMoment.set(key, review);
    }
    let appended = 0;
    for (const review of byMoment.values()) {
      // At most 100 segments per event (its schema): more due at one moment take more events.
      for (let i = 0; i < review.segmentIds.length; i += 100) {
        const part = { ...review, segmentIds: review.segmentIds.slice(i, i + 100).sort() };
        if ((await deps.appender.append(part)) === 'Appended') appended++;
      }
    }
    // This hour is not over: the next run reads it again.
    await deps.cursor.write(new Date(thisHour).toISOString());
    deps.logger.info('segment sweep', { due: byMoment.size, appended });
    return { due: byMoment.size, appended };
  };

/** GSI2 items `SEGREVIEW#<hour>` / `<reviewAt>#<contactId>`, written by the reactor with each segment state. */
export class DynamoReviewIndex implements ReviewIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async dueIn(hour: string, until: string) {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      IndexName: 'GSI2',
      KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK <= :until',
      // `#` sorts before every id character: every review at `until` itself is included.
      ExpressionAttributeValues: { ':pk': hour, ':until': `${until}#~` },
      ProjectionExpression: 'contactId, segmentId, reviewAt',
    });
    return items.map((item) => ({ contactId: String(item.contactId), segmentId: String(item.segmentId), reviewAt: String(item.reviewAt) }));
  }
}

/** The sweep's cursor: one item, `SEGSWEEP` / `CURSOR`. */
export class DynamoSweepCursor implements SweepCursor {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: SWEEP_CURSOR_KEY, ConsistentRead: true }));
    return typeof Item?.hour === 'string' ? Item.hour : undefined;
  }

  async write(hour: string): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...SWEEP_CURSOR_KEY, hour } }));
  }
}

const SWEEP_CURSOR_KEY = { PK: 'SEGSWEEP', SK: 'CURSOR' };

/** Appends `segment.review_due` with a ConditionCheck that the contact still exists (an erased one gets nothing). */
export class DynamoReviewAppender implements ReviewAppender {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async append(review: DueReview): Promise<'Appended' | 'AlreadyAppended' | 'NoSuchContact'> {
    const at = new Date(review.reviewAt);
    const event = {
      eventId: deterministicId(at, `segment-review#${review.contactId}#${review.reviewAt}#${review.segmentIds.join(',')}`),
      contactId: review.contactId,
      occurredAt: review.reviewAt,
      type: EventName.SegmentReviewDue,
      data: { segmentIds: [...review.segmentIds] },
    };
    try {
      await transactWrite(this.db, [
        { ConditionCheck: { TableName: this.tableName, Key: { PK: `CONTACT#${review.contactId}`, SK: 'PROFILE' }, ConditionExpression: 'attribute_exists(PK)' } },
        putEventOnce(this.tableName, event),
      ]);
      return 'Appended';
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'NoSuchContact';
      if (reasons[1]?.Code === 'ConditionalCheckFailed') return 'AlreadyAppended';
      throw error;
    }
  }
}
