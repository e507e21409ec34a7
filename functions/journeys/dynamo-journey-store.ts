import { GetCommand, PutCommand, paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Contact } from '../shared/contact';
import { parseContact, parseEvent, putEventOnce } from '../contacts/dynamo-contacts';
import { EventName } from '../shared/events';
import { EVENT_PREFIX, keys, SEGMENT_STATE_PREFIX } from '../shared/keys';
import { parseItem } from '../shared/items';
import { memberSegmentIds, SegmentMembershipView } from '../shared/segment-membership';
import type { TimelineEvent } from '../shared/timeline';
import type { ContactUpdatedData } from './events';
import { Membership, type JourneyWait } from './domain/membership';
import type { JourneyStore, JourneyVersionStore } from './ports';
import { queryAll } from '../shared/query';
import { cancellationReasons, transactWrite } from '../shared/transactions';

/** Journey state in the single table: memberships and waits under the contact, events on its timeline. */
export class DynamoJourneyStore implements JourneyStore, JourneyVersionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async contact(contactId: string): Promise<Contact | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.profile(contactId), ConsistentRead: true }));
    return Item ? parseContact(Item) : undefined;
  }

  async memberSegments(contactId: string): Promise<string[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.profile(contactId).PK, ':prefix': SEGMENT_STATE_PREFIX },
      ConsistentRead: true,
      ProjectionExpression: 'segmentId, #member',
      ExpressionAttributeNames: { '#member': 'member' },
    });
    return memberSegmentIds(items.map((item) => parseItem(SegmentMembershipView, item)));
  }

  async eventsSince(contactId: string, since: string): Promise<TimelineEvent[]> {
    const events: TimelineEvent[] = [];
    // Newest first, so the pages stop being read at the first event older than `since`.
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.profile(contactId).PK, ':prefix': EVENT_PREFIX },
        ScanIndexForward: false,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const event = parseEvent(item);
        if (event.occurredAt < since) return events;
        events.push(event);
      }
    }
    return events;
  }

  async membership(contactId: string, journeyId: string): Promise<Membership | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: keys.membership(contactId, journeyId), ConsistentRead: true }),
    );
    return Item ? Membership.parse(Item) : undefined;
  }

  async putWait(contactId: string, wait: JourneyWait): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.tableName, Item: { ...keys.wait(contactId, wait.executionName, wait.stepId), ...wait } }),
    );
  }

  async putConfirmationWait(contactId: string, wait: JourneyWait, topic: string): Promise<'Registered' | 'NotPending'> {
    try {
      await transactWrite(this.db, [
        {
          ConditionCheck: {
            TableName: this.tableName,
            Key: keys.profile(contactId),
            ConditionExpression: 'subscriptions.#topic.#status = :pending',
            ExpressionAttributeNames: { '#topic': topic, '#status': 'status' },
            ExpressionAttributeValues: { ':pending': 'pending' },
          },
        },
        { Put: { TableName: this.tableName, Item: { ...keys.wait(contactId, wait.executionName, wait.stepId), ...wait } } },
      ]);
      return 'Registered';
    } catch (error) {
      if (cancellationReasons(error)[0]?.Code === 'ConditionalCheckFailed') return 'NotPending';
      throw error;
    }
  }

  async updateContact(contactId: string, change: ContactUpdatedData, eventId: string, at: string): Promise<'Updated' | 'AlreadyApplied' | 'NoSuchContact'> {
    // DynamoDB refuses unused names: `#attributes` only when attributes are set or cleared (not for tags alone).
    const names: Record<string, string> = Object.keys(change.set).length || change.cleared.length ? { '#attributes': 'attributes' } : {};
    const values: Record<string, unknown> = { ':now': at };
    const sets = ['updatedAt = :now'];
    const removes: string[] = [];
    Object.entries(change.set).forEach(([name, value], i) => {
      names[`#s${i}`] = name;
      values[`:s${i}`] = value;
      sets.push(`#attributes.#s${i} = :s${i}`);
    });
    change.cleared.forEach((name, i) => {
      names[`#c${i}`] = name;
      removes.push(`#attributes.#c${i}`);
    });
    const event: TimelineEvent = { eventId, contactId, occurredAt: at, type: EventName.ContactUpdated, data: change };
    // Tags are a list read and rewritten whole: the transaction's conditions make the read-modify-write safe.
    const current = await this.contact(contactId);
    if (!current) return 'NoSuchContact';
    const tags = new Set(current.tags ?? []);
    change.addedTags.forEach((tag) => tags.add(tag));
    change.removedTags.forEach((tag) => tags.delete(tag));
    if (change.addedTags.length || change.removedTags.length) {
      sets.push('tags = :tags');
      values[':tags'] = [...tags].sort();
      values[':seen'] = current.updatedAt;
    }
    try {
      await transactWrite(this.db, [
        {
          Update: {
            TableName: this.tableName,
            Key: keys.profile(contactId),
            UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ConditionExpression: `attribute_exists(PK)${values[':seen'] ? ' AND updatedAt = :seen' : ''}`,
            ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
            ExpressionAttributeValues: values,
          },
        },
        putEventOnce(this.tableName, event),
      ]);
      return 'Updated';
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons[1]?.Code === 'ConditionalCheckFailed') return 'AlreadyApplied';
      if (reasons[0]?.Code === 'ConditionalCheckFailed') {
        // The profile moved under us (or is gone): the named error makes Step Functions retry the step.
        throw Object.assign(new Error('the contact changed while updating it'), { name: 'ContactContended' });
      }
      throw error;
    }
  }

  async finish(
    contactId: string,
    journeyId: string,
    executionName: string,
    status: 'completed' | 'failed' | 'exited',
    event: TimelineEvent,
    options: { readonly onlyIfRunning?: boolean } = {},
  ): Promise<void> {
    // The execution has ended: its waits could only cost a useless SendTaskSuccess on a later matching event.
    const waits = (await this.waitKeys(contactId, executionName)).map((Key) => ({ Delete: { TableName: this.tableName, Key } }));
    // An exit keeps its reason on the membership, as the reactor's exits do.
    const reason = event.type === EventName.JourneyExited ? event.data.reason : undefined;
    try {
      await transactWrite(this.db, [
        {
          Update: {
            TableName: this.tableName,
            Key: keys.membership(contactId, journeyId),
            UpdateExpression: `SET #status = :status, endedAt = :at${reason ? ', endReason = :reason' : ''}`,
            ConditionExpression: 'executionName = :name AND #status = :running',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':status': status, ':at': event.occurredAt, ':name': executionName, ':running': 'running', ...(reason ? { ':reason': reason } : {}) },
          },
        },
        putEventOnce(this.tableName, event),
        ...waits,
      ]);
    } catch (error) {
      const reasons = cancellationReasons(error);
      // Already ended (an exit recorded it, or this is a redelivery): append the event alone, once.
      if (reasons[0]?.Code === 'ConditionalCheckFailed') {
        if (!options.onlyIfRunning) await this.append(event);
        return;
      }
      if (reasons[1]?.Code === 'ConditionalCheckFailed') return;
      throw error;
    }
  }

  async migrate(
    contactId: string,
    journeyId: string,
    from: string,
    to: { readonly executionName: string; readonly version: string },
    event: TimelineEvent,
  ): Promise<'Migrated' | 'AlreadyMigrated' | 'NotRunning'> {
    // The old execution's waits: an event must no longer resume it (it is being stopped); the new one registers its own.
    const waits = (await this.waitKeys(contactId, from)).map((Key) => ({ Delete: { TableName: this.tableName, Key } }));
    try {
      await transactWrite(this.db, [
        {
          Update: {
            TableName: this.tableName,
            Key: keys.membership(contactId, journeyId),
            UpdateExpression: 'SET executionName = :to, version = :version',
            ConditionExpression: 'executionName = :from AND #status = :running',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':to': to.executionName, ':version': to.version, ':from': from, ':running': 'running' },
          },
        },
        putEventOnce(this.tableName, event),
        ...waits,
      ]);
      return 'Migrated';
    } catch (error) {
      if (cancellationReasons(error)[0]?.Code !== 'ConditionalCheckFailed') throw error;
      const membership = await this.membership(contactId, journeyId);
      return membership?.executionName === to.executionName ? 'AlreadyMigrated' : 'NotRunning';
    }
  }

  /** The keys of an execution's waits (`WAIT#<executionName>#<stepId>`): a few items, one consistent Query. */
  private async waitKeys(contactId: string, executionName: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :wait)',
      ExpressionAttributeValues: { ':pk': keys.profile(contactId).PK, ':wait': keys.wait(contactId, executionName, '').SK },
      ProjectionExpression: 'PK, SK',
      ConsistentRead: true,
    });
  }

  async append(event: TimelineEvent): Promise<'Appended' | 'AlreadyAppended' | 'NoSuchContact'> {
    try {
      await transactWrite(this.db, [
        { ConditionCheck: { TableName: this.tableName, Key: keys.profile(event.contactId), ConditionExpression: 'attribute_exists(PK)' } },
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

  async savedResponse(scope: string, key: string): Promise<{ status: number; body: unknown } | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: idempotencyKey(scope, key), ConsistentRead: true }),
    );
    // TTL deletes within days, not at once: an expired record is treated as gone.
    if (!Item || Number(Item.expiresAt) * 1_000 < Date.now()) return undefined;
    return { status: Number(Item.status), body: JSON.parse(String(Item.body)) as unknown };
  }

  async saveResponse(scope: string, key: string, response: { status: number; body: unknown }, at: Date): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...idempotencyKey(scope, key),
          status: response.status,
          body: JSON.stringify(response.body),
          createdAt: at.toISOString(),
          expiresAt: Math.ceil(at.getTime() / 1_000) + 86_400,
        },
      }),
    );
  }
}

/** `IDEM#<scope>#<key>` / `RESPONSE`: what a request with this Idempotency-Key answered. */
function idempotencyKey(scope: string, key: string) {
  return { PK: `IDEM#${scope}#${key}`, SK: 'RESPONSE' };
}
