import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventName } from '../shared/events';
import { ulid } from '../shared/ids';
import { EVENT_PREFIX, keys } from '../shared/keys';
import type { FormSubmittedData } from '../forms/events';
import { TimelineEvent, type NewTimelineEvent } from '../shared/timeline';
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
import { backoff, cancellationReasons, contended, transactWrite } from '../shared/transactions';

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
        if (!contended(error) || attempt >= MAX_ATTEMPTS) {
          if (contended(error)) throw new ContactContended(`gave up after ${attempt} attempts`, { cause: error });
          throw error;
        }
        // Another writer created this email's contact or holds the same items: back off, then re-read the claim.
        await backoff(attempt);
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
      ...claimAndCreate(this.tableName, contact, now),
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
      emailClaimHeld(this.tableName, email, contactId),
      profileSet(this.tableName, contactId, { sets, names, values }),
      { Put: { TableName: this.tableName, Item: eventItem } },
    ];
  }

  async appendEvent(contactId: string, event: NewTimelineEvent): Promise<AppendOutcome> {
    const eventId = event.eventId ?? ulid(Date.parse(event.occurredAt));
    // Parsed before writing: what goes in is exactly what readers will parse back out.
    const stored = TimelineEvent.parse({ ...event, eventId, contactId });
    for (let attempt = 1; ; attempt++) {
      try {
        await transactWrite(this.db, [
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
        ]);
        return { type: 'Appended', event: stored };
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return { type: 'NoSuchContact' };
        if (reasons[1]?.Code === 'ConditionalCheckFailed') return { type: 'AlreadyAppended', eventId };
        if (!contended(error) || attempt >= MAX_ATTEMPTS) {
          if (contended(error)) throw new ContactContended(`gave up after ${attempt} attempts`, { cause: error });
          throw error;
        }
        await backoff(attempt);
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

/**
 * A transaction's two Puts that create a contact: the claim on its email and its profile, each failing the
 * transaction if it exists already (so two concurrent first posts cannot create two contacts).
 */
export function claimAndCreate(tableName: string, contact: Contact, now: string) {
  return [
    {
      Put: {
        TableName: tableName,
        Item: { ...keys.email(contact.email), contactId: contact.contactId, createdAt: now },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: { ...keys.profile(contact.contactId), ...contact },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
  ];
}

/**
 * A transaction's check that the email claim still points at the contact: it fails the transaction if a merge or an
 * email change happened between reading the claim and writing the profile.
 */
export function emailClaimHeld(tableName: string, email: string, contactId: string) {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: keys.email(email),
      ConditionExpression: 'contactId = :contactId',
      ExpressionAttributeValues: { ':contactId': contactId },
    },
  };
}

/** The clauses of a profile's `SET` expression with the names and values they use. */
export interface ProfileSet {
  readonly sets: readonly string[];
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
}

/** A transaction's Update of an existing profile (never creates one): `SET` every clause of `set`. */
export function profileSet(tableName: string, contactId: string, set: ProfileSet) {
  return {
    Update: {
      TableName: tableName,
      Key: keys.profile(contactId),
      UpdateExpression: `SET ${set.sets.join(', ')}`,
      ConditionExpression: 'attribute_exists(PK)',
      ...(Object.keys(set.names).length ? { ExpressionAttributeNames: set.names } : {}),
      ExpressionAttributeValues: set.values,
    },
  };
}

/**
 * A transaction's (or a PutCommand's) write of an event onto the timeline, refused if the event is there already:
 * with deterministic event ids, a retried write records nothing twice.
 */
export function putEventOnce(tableName: string, event: TimelineEvent) {
  return { Put: { TableName: tableName, Item: toItem(event), ConditionExpression: 'attribute_not_exists(PK)' } };
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

