import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  paginateQuery,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ContactContended } from '../contacts/contacts';
import type { Contact } from '../shared/contact';
import { claimAndCreate, emailClaimHeld, profileSet, putEventOnce, toItem } from '../contacts/dynamo-contacts';
import { EventName } from '../shared/events';
import { ulid } from '../shared/ids';
import { keys } from '../shared/keys';
import { TimelineEvent } from '../shared/timeline';
import type { FieldValue } from '../shared/values';
import type { Identity, Inbound } from './domain/messages';
import { eventIdFor } from './event-ids';
import type { StoreOutcome, Tracking } from './tracking';
import { LINK, PENDING_PREFIX, firstLink, trackingKeys } from './tracking-keys';
import { backoff, cancellationReasons, contended, transactWrite } from '../shared/transactions';

const MAX_ATTEMPTS = 8;
/** How long the first receipt of a message without a timestamp is remembered: Segment dedupes for a day too. */
const RECEIPT_TTL_SECONDS = 24 * 60 * 60;
/** How long activity nobody identified waits to be linked, unless the environment says otherwise. */
const RAW_EVENT_RETENTION_DAYS = 30;
type Key = { PK: string; SK: string };
type Item = Record<string, unknown>;

/**
 * Tracking in the single table. A batch of track/page messages for known visitors costs one BatchGetItem (the
 * user-id and anonymous-id links) and one BatchWriteItem per 25 events. Redelivered messages rewrite the same item
 * (the id is derived from the messageId): no duplicate, and no second stream INSERT for the reactor.
 *
 * Anonymous activity waits under `ANON#<id>` (or `USER#<id>` for a user id nobody identified yet) as `AEVENT#`
 * items. A writer of pending items re-reads the links after writing, and a merge writes the link BEFORE listing
 * the pending items, so every pending item is either seen by the merge or seen linked by its writer, which then
 * merges it itself. Copies are conditional puts of the same event id: merging twice, or concurrently, is harmless.
 */
export class DynamoTracking implements Tracking {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Days a pending (never linked) event is kept before DynamoDB TTL deletes it: the environment's raw-event retention. */
    private readonly rawEventRetentionDays = RAW_EVENT_RETENTION_DAYS,
  ) {}

  async store(messages: readonly Inbound[], receivedAt: Date): Promise<StoreOutcome[]> {
    const outcomes: StoreOutcome[] = new Array(messages.length);
    const receipts = messages.map(receiptOf);
    const found = await this.read([...messages.flatMap((m) => linkKeys(m.identity)), ...receipts.filter((key) => key !== undefined)]);
    const links = new Map([...found].flatMap(([PK, item]) => (typeof item.contactId === 'string' ? [[PK, item.contactId] as const] : [])));
    const puts: Item[] = [];
    const pendingPartitions = new Set<string>();
    const followUps: (() => Promise<void>)[] = [];
    const firstReceived = new Map<string, string>();
    for (const [PK, item] of found) if (typeof item.eventId === 'string' && EVENT_ID.test(item.eventId)) firstReceived.set(PK, item.eventId);
    const expiresAt = Math.floor(receivedAt.getTime() / 1_000) + RECEIPT_TTL_SECONDS;
    const pendingExpiresAt = Math.floor(receivedAt.getTime() / 1_000) + this.rawEventRetentionDays * 86_400;

    for (const [i, message] of messages.entries()) {
      const receipt = receipts[i];
      let eventId: string;
      if (!receipt) {
        eventId = eventIdFor(message.messageId, message.clientTime ?? receivedAt.getTime());
      } else {
        // No client timestamp: the id's time is when the message was first received, so a retry finds it again.
        eventId = firstReceived.get(receipt.PK) ?? eventIdFor(message.messageId, receivedAt.getTime());
        if (!firstReceived.has(receipt.PK)) puts.push({ ...receipt, eventId, expiresAt });
        firstReceived.set(receipt.PK, eventId);
      }
      if (message.email) {
        // Identify with an email: finds or creates the contact; done one by one, in order, after the batch's puts.
        followUps.push(async () => {
          outcomes[i] = await this.identifyByEmail(message, message.email!, eventId, receivedAt);
        });
        continue;
      }
      const contactId = contactOf(message.identity, links);
      if (contactId && message.event.type === EventName.Identified) {
        followUps.push(async () => {
          outcomes[i] = await this.identifyContact(contactId, message, eventId);
        });
        continue;
      }
      if (contactId) {
        const event = TimelineEvent.parse({ ...message.event, eventId, contactId });
        puts.push(toItem(event));
        outcomes[i] = { type: 'Stored', contactId, eventId };
        // The user is known but this browser's anonymous id is not linked yet: link it, then merge what it did.
        const anon = message.identity.anonymousId;
        if (anon && !links.has(trackingKeys.anonymousLink(anon).PK)) {
          links.set(trackingKeys.anonymousLink(anon).PK, contactId);
          followUps.push(() => this.linkAndMerge([trackingKeys.anonymousLink(anon).PK], contactId));
        }
        continue;
      }
      const partition = pendingPartition(message.identity);
      const anon = message.identity.anonymousId ? trackingKeys.anonymousLink(message.identity.anonymousId).PK : partition;
      if (anon !== partition) {
        // A user id nobody identified yet, seen with the browser's anonymous id: a copy waits under each, so a
        // form post or identify that links only one of them brings it along. Each copy names the other, which
        // the merge deletes with its own; both carry the same event id, so the contact gets it once.
        puts.push({ ...trackingKeys.pendingEvent(partition, eventId), eventId, ...message.event, [SIBLING]: anon, expiresAt: pendingExpiresAt });
        puts.push({ ...trackingKeys.pendingEvent(anon, eventId), eventId, ...message.event, [SIBLING]: partition, expiresAt: pendingExpiresAt });
        pendingPartitions.add(anon);
      } else {
        puts.push({ ...trackingKeys.pendingEvent(partition, eventId), eventId, ...message.event, expiresAt: pendingExpiresAt });
      }
      pendingPartitions.add(partition);
      outcomes[i] = { type: 'Pending', eventId };
    }

    await this.batchPut(puts);
    if (pendingPartitions.size > 0) {
      // Linked while we wrote? Then the merge may have listed before our items landed: merge them ourselves.
      const now = await this.links([...pendingPartitions].map((PK) => ({ PK, SK: LINK })), true);
      for (const partition of pendingPartitions) {
        const contactId = now.get(partition);
        if (contactId) await this.merge(partition, contactId);
      }
    }
    for (const followUp of followUps) await followUp();
    return outcomes;
  }

  async mergeAnonymous(anonymousId: string): Promise<{ merged: number }> {
    const key = trackingKeys.anonymousLink(anonymousId);
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    const contactId = Item?.contactId as string | undefined;
    if (!contactId) return { merged: 0 };
    return this.merge(key.PK, contactId);
  }

  /** The contact each link names, by link PK. */
  private async links(wanted: readonly Key[], consistent = false): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const [PK, item] of await this.read(wanted, consistent)) if (typeof item.contactId === 'string') found.set(PK, item.contactId);
    return found;
  }

  /** Links and message receipts, by PK (only the attributes store() reads). */
  private async read(wanted: readonly Key[], consistent = false): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    const unique = [...new Map(wanted.map((key) => [key.PK, key])).values()];
    for (let start = 0; start < unique.length; start += 100) {
      let request: Key[] = unique.slice(start, start + 100);
      for (let attempt = 1; request.length > 0; attempt++) {
        const result = await this.db.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: request, ConsistentRead: consistent, ProjectionExpression: 'PK, contactId, eventId' } },
          }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) found.set(String(item.PK), item);
        request = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Key[];
        if (request.length > 0) await backoff(attempt);
      }
    }
    return found;
  }

  private async batchPut(all: readonly Item[]): Promise<void> {
    // A batch repeating a message (same id) must not repeat a key: BatchWriteItem refuses duplicates.
    const items = [...new Map(all.map((item) => [`${String(item.PK)}\u0000${String(item.SK)}`, item])).values()];
    for (let start = 0; start < items.length; start += 25) {
      let requests = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 1; requests.length > 0; attempt++) {
        if (attempt > MAX_ATTEMPTS * 2) throw new ContactContended('batch writes kept being throttled');
        const result = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
        requests = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
        if (requests.length > 0) await backoff(attempt);
      }
    }
  }

  /**
   * Identify with an email (already checked and normalised by the domain): the contact of that email (created if
   * new) gets the traits and the event in one transaction, and the message's user id and anonymous id are linked
   * to it (first link wins) and merged.
   */
  private async identifyByEmail(message: Inbound, key: string, eventId: string, at: Date): Promise<StoreOutcome> {
    if (message.event.type !== EventName.Identified) return { type: 'Invalid', error: 'only identify carries an email' };
    const traits = message.event.data.traits;
    const now = at.toISOString();
    for (let attempt = 1; ; attempt++) {
      const claim = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.email(key), ConsistentRead: true }));
      const existing = claim.Item?.contactId as string | undefined;
      const contactId = existing ?? ulid(at.getTime());
      const event = toItem(TimelineEvent.parse({ ...message.event, eventId, contactId }));
      const items: NonNullable<TransactWriteCommandInput['TransactItems']> = existing
        ? [emailClaimHeld(this.tableName, key, contactId), this.setTraits(contactId, traits, now, false, message.emailRole === true)]
        : claimAndCreate(this.tableName, newProfile(contactId, key, traits, now, message.emailRole === true), now);
      items.push({ Put: { TableName: this.tableName, Item: event, ConditionExpression: 'attribute_not_exists(PK)' } });
      for (const link of linkKeys(message.identity)) items.push(this.link(link, contactId, now));
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (reasons[2]?.Code === 'ConditionalCheckFailed' && existing) return { type: 'Stored', contactId, eventId }; // a redelivery
        if (!contended(error) || attempt >= MAX_ATTEMPTS) {
          if (contended(error)) throw new ContactContended(`gave up after ${attempt} attempts`, { cause: error });
          throw error;
        }
        await backoff(attempt);
        continue;
      }
      await this.linkAndMerge(linkKeys(message.identity).map((link) => link.PK), contactId);
      return { type: 'Stored', contactId, eventId };
    }
  }

  /** Identify of a visitor already linked to a contact: traits and event together. */
  private async identifyContact(contactId: string, message: Inbound, eventId: string): Promise<StoreOutcome> {
    if (message.event.type !== EventName.Identified) return { type: 'Invalid', error: 'not an identify' };
    const event = toItem(TimelineEvent.parse({ ...message.event, eventId, contactId }));
    try {
      await transactWrite(this.db, [
        this.setTraits(contactId, message.event.data.traits, message.event.occurredAt),
        { Put: { TableName: this.tableName, Item: event, ConditionExpression: 'attribute_not_exists(PK)' } },
      ]);
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons[1]?.Code !== 'ConditionalCheckFailed') throw error;
    }
    return { type: 'Stored', contactId, eventId };
  }

  private setTraits(contactId: string, traits: Record<string, FieldValue>, now: string, onlyMissing = false, emailRole = false) {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':now': now, ...(emailRole ? { ':role': true } : {}) };
    const sets = ['updatedAt = :now', ...(emailRole ? ['emailRole = :role'] : [])];
    Object.entries(traits).forEach(([name, value], i) => {
      names[`#t${i}`] = name;
      values[`:t${i}`] = value;
      sets.push(
        onlyMissing ? `attributes.#t${i} = if_not_exists(attributes.#t${i}, :t${i})` : `attributes.#t${i} = :t${i}`,
      );
    });
    return profileSet(this.tableName, contactId, { sets, names, values });
  }

  private link(key: Key, contactId: string, now: string) {
    return firstLink(this.tableName, key, contactId, now);
  }

  private async linkAndMerge(partitions: readonly string[], contactId: string): Promise<void> {
    for (const PK of partitions) {
      const { Attributes } = await this.db.send(
        new UpdateCommand({ ...this.link({ PK, SK: LINK }, contactId, new Date().toISOString()).Update, ReturnValues: 'ALL_NEW' }),
      );
      // Linked to another contact first: that link stands, and this contact gets nothing from it. Merged before:
      // anything written under the id since was merged by its writer, who re-reads the link (see the class note).
      if (Attributes?.contactId === contactId && typeof Attributes.mergedAt !== 'string') await this.merge(PK, contactId);
    }
  }

  /** Copies the partition's pending items onto the contact's timeline, applies pending traits, then deletes them. */
  private async merge(partition: string, contactId: string): Promise<{ merged: number }> {
    let merged = 0;
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': partition, ':prefix': PENDING_PREFIX },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const { PK: _pk, SK: _sk, [SIBLING]: sibling, expiresAt: _expiresAt, ...rest } = item;
        const event = TimelineEvent.safeParse({ ...rest, contactId });
        if (event.success) {
          if (event.data.type === EventName.Identified && Object.keys(event.data.data.traits).length > 0) {
            // Anonymous traits fill gaps; they never overwrite what the contact said since.
            await this.db
              .send(new UpdateCommand(this.setTraits(contactId, event.data.data.traits, new Date().toISOString(), true).Update))
              .catch(ignoreConditionFailed);
          }
          await this.db
            .send(new PutCommand(putEventOnce(this.tableName, event.data).Put))
            .catch(ignoreConditionFailed);
          merged++;
        }
        const copies = [{ PK: item.PK, SK: item.SK }, ...(typeof sibling === 'string' ? [{ PK: sibling, SK: item.SK }] : [])];
        await this.db.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: copies.map((Key) => ({ DeleteRequest: { Key } })) } }),
        );
      }
    }
    if (partition.startsWith('ANON#')) await this.rememberAnonymousId(contactId, partition.slice('ANON#'.length));
    await this.markMerged(partition, contactId);
    return { merged };
  }

  /**
   * Marks the link merged: from now on a writer that finds the link merges whatever it left pending itself, so a
   * later identify or form post with the id (which reads the link anyway) can skip the merge.
   */
  private async markMerged(partition: string, contactId: string): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: partition, SK: LINK },
          UpdateExpression: 'SET mergedAt = if_not_exists(mergedAt, :now)',
          ConditionExpression: 'contactId = :c',
          ExpressionAttributeValues: { ':c': contactId, ':now': new Date().toISOString() },
        }),
      )
      .catch(ignoreConditionFailed);
  }

  private async rememberAnonymousId(contactId: string, anonymousId: string): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.profile(contactId),
          UpdateExpression: 'SET anonymousIds = list_append(if_not_exists(anonymousIds, :none), :id)',
          ConditionExpression: 'attribute_exists(PK) AND NOT contains(anonymousIds, :anon)',
          ExpressionAttributeValues: { ':none': [], ':id': [anonymousId], ':anon': anonymousId },
        }),
      )
      .catch(ignoreConditionFailed);
  }
}

const EVENT_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/** On a pending item kept under both a user id and an anonymous id: the partition of the other copy. */
const SIBLING = 'alsoPendingUnder';

/** The receipt that fixes the id of a message with a message id but no timestamp; undefined for any other. */
function receiptOf(message: Inbound): Key | undefined {
  if (!message.messageId || message.clientTime !== undefined) return undefined;
  const { userId, anonymousId } = message.identity;
  return trackingKeys.messageReceipt(userId ? `user:${userId}` : `anon:${anonymousId!}`, message.messageId);
}

function linkKeys(identity: Identity): Key[] {
  return [
    ...(identity.userId ? [trackingKeys.userLink(identity.userId)] : []),
    ...(identity.anonymousId ? [trackingKeys.anonymousLink(identity.anonymousId)] : []),
  ];
}

function contactOf(identity: Identity, links: ReadonlyMap<string, string>): string | undefined {
  return (
    (identity.userId ? links.get(trackingKeys.userLink(identity.userId).PK) : undefined) ??
    (identity.anonymousId ? links.get(trackingKeys.anonymousLink(identity.anonymousId).PK) : undefined)
  );
}

/** A user id nobody identified yet waits under its own partition; otherwise the anonymous id's. */
function pendingPartition(identity: Identity): string {
  return identity.userId ? trackingKeys.userLink(identity.userId).PK : trackingKeys.anonymousLink(identity.anonymousId!).PK;
}

function newProfile(contactId: string, email: string, traits: Record<string, FieldValue>, now: string, emailRole: boolean): Contact {
  return { contactId, email, attributes: traits, ...(emailRole ? { emailRole: true } : {}), createdAt: now, updatedAt: now };
}

function ignoreConditionFailed(error: unknown): void {
  if (error instanceof ConditionalCheckFailedException) return;
  throw error;
}

