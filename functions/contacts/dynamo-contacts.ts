import { setTimeout as sleep } from 'node:timers/promises';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventName } from '../shared/events';
import { ulid } from '../shared/ids';
import { EVENT_PREFIX, keys } from '../shared/keys';
import { TimelineEvent, type FormSubmittedData, type NewTimelineEvent } from '../shared/timeline';
import {
  ContactContended,
  CorruptItem,
  InvalidCursor,
  type AppendOutcome,
  type Contacts,
  type RecordedSubmission,
  type TimelinePage,
} from './contacts';
import { Contact, attributesOf, normalizeEmail, touchOf } from '../shared/contact';

const MAX_ATTEMPTS = 12;

/**
 * Contacts in the single table. A submission is ONE transaction: the email-uniqueness item, the profile and the
 * timeline event are written together or not at all, so a crash can neither lose the event nor leave a contact
 * without its email claim, and two concurrent first posts of one email cannot create two contacts.
 */
export class DynamoContacts implements Contacts {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async recordSubmission(email: string, data: FormSubmittedData, at: Date): Promise<RecordedSubmission> {
    const normalized = normalizeEmail(email);
    const now = at.toISOString();
    const eventId = ulid(at.getTime());
    const event = { eventId, type: EventName.FormSubmitted, occurredAt: now, data };

    for (let attempt = 1; ; attempt++) {
      const claim = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: keys.email(normalized), ConsistentRead: true }),
      );
      const existingId = claim.Item?.contactId as string | undefined;
      const contactId = existingId ?? ulid(at.getTime());
      const eventItem = toItem({ ...event, contactId });
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: existingId
              ? this.updateContact(existingId, normalized, data, now, eventItem)
              : this.createContact(contactId, normalized, data, now, eventItem),
          }),
        );
        return { contactId, eventId, created: !existingId };
      } catch (error) {
        if (!isRetryable(error) || attempt >= MAX_ATTEMPTS) {
          if (isRetryable(error)) throw new ContactContended(`gave up after ${attempt} attempts`, { cause: error });
          throw error;
        }
        // Another writer created this email's contact or holds the same items: back off, then re-read the claim.
        await sleep(Math.random() * Math.min(1_000, 10 * 2 ** attempt));
      }
    }
  }

  private createContact(
    contactId: string,
    email: string,
    data: FormSubmittedData,
    now: string,
    eventItem: Record<string, unknown>,
  ) {
    const touch = touchOf(data, now);
    const contact: Contact = {
      contactId,
      email,
      attributes: attributesOf(data),
      ...(touch ? { firstTouch: touch, lastTouch: touch } : {}),
      createdAt: now,
      updatedAt: now,
    };
    return [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.email(email), contactId, createdAt: now },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: { ...keys.profile(contactId), ...contact },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      { Put: { TableName: this.tableName, Item: eventItem } },
    ];
  }

  private updateContact(
    contactId: string,
    email: string,
    data: FormSubmittedData,
    now: string,
    eventItem: Record<string, unknown>,
  ) {
    const names: Record<string, string> = { '#attributes': 'attributes' };
    const values: Record<string, unknown> = { ':now': now };
    const sets = ['updatedAt = :now'];
    Object.entries(attributesOf(data)).forEach(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:a${i}`] = value;
      sets.push(`#attributes.#a${i} = :a${i}`);
    });
    const touch = touchOf(data, now);
    if (touch) {
      values[':touch'] = touch;
      sets.push('firstTouch = if_not_exists(firstTouch, :touch)', 'lastTouch = :touch');
    }
    return [
      {
        // The claim must still point at this contact: guards against a merge or email change in between.
        ConditionCheck: {
          TableName: this.tableName,
          Key: keys.email(email),
          ConditionExpression: 'contactId = :contactId',
          ExpressionAttributeValues: { ':contactId': contactId },
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: keys.profile(contactId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      { Put: { TableName: this.tableName, Item: eventItem } },
    ];
  }

  async appendEvent(contactId: string, event: NewTimelineEvent): Promise<AppendOutcome> {
    const eventId = event.eventId ?? ulid(Date.parse(event.occurredAt));
    // Parsed before writing: what goes in is exactly what readers will parse back out.
    const stored = TimelineEvent.parse({ ...event, eventId, contactId });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                ConditionCheck: {
                  TableName: this.tableName,
                  Key: keys.profile(contactId),
                  ConditionExpression: 'attribute_exists(PK)',
                },
              },
              {
                Put: {
                  TableName: this.tableName,
                  Item: toItem(stored),
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
            ],
          }),
        );
        return { type: 'Appended', event: stored };
      } catch (error) {
        const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return { type: 'NoSuchContact' };
        if (reasons[1]?.Code === 'ConditionalCheckFailed') return { type: 'AlreadyAppended', eventId };
        if (!isRetryable(error) || attempt >= MAX_ATTEMPTS) {
          if (isRetryable(error)) throw new ContactContended(`gave up after ${attempt} attempts`, { cause: error });
          throw error;
        }
        await sleep(Math.random() * Math.min(1_000, 10 * 2 ** attempt));
      }
    }
  }

  async get(contactId: string): Promise<Contact | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.profile(contactId) }));
    return Item ? parseContact(Item) : undefined;
  }

  async findIdByEmail(email: string): Promise<string | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.email(normalizeEmail(email)) }),
    );
    return Item?.contactId as string | undefined;
  }

  async timeline(contactId: string, page: { limit: number; cursor?: string }): Promise<TimelinePage> {
    const { PK } = keys.profile(contactId);
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': PK, ':prefix': EVENT_PREFIX },
        ScanIndexForward: false,
        Limit: page.limit,
        ...(page.cursor ? { ExclusiveStartKey: { PK, SK: decodeCursor(page.cursor) } } : {}),
      }),
    );
    const items = (result.Items ?? []).map(parseEvent);
    const last = result.LastEvaluatedKey?.SK as string | undefined;
    return { items, ...(last ? { nextCursor: Buffer.from(last).toString('base64url') } : {}) };
  }
}

/** The stored item of an event: its keys, then the event exactly as the schema describes it. */
export function toItem(event: TimelineEvent): Record<string, unknown> {
  return { ...keys.event(event.contactId, event.eventId), ...event };
}

/** A stored profile, parsed with the schema that wrote it. */
export function parseContact(item: Record<string, unknown>): Contact {
  const parsed = Contact.safeParse(item);
  if (!parsed.success) throw new CorruptItem(`profile ${String(item.PK)} does not match the contact schema`);
  return parsed.data;
}

/** A stored timeline event, parsed with the schema that wrote it. */
export function parseEvent(item: Record<string, unknown>): TimelineEvent {
  const parsed = TimelineEvent.safeParse(item);
  if (!parsed.success) throw new CorruptItem(`${String(item.PK)} ${String(item.SK)} is not a known timeline event`);
  return parsed.data;
}

function decodeCursor(cursor: string): string {
  const sk = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^EVENT#[0-9A-Z]{26}$/.test(sk)) throw new InvalidCursor('cursor is not one this API issued');
  return sk;
}

function isRetryable(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException)) return false;
  // ConditionalCheckFailed: the email claim appeared or moved; TransactionConflict: a concurrent transaction.
  return (error.CancellationReasons ?? []).some(
    (reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
  );
}
