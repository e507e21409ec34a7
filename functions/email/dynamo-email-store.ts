import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { parseContact, putEventOnce } from '../contacts/dynamo-contacts';
import { ContactContended, CorruptItem } from '../contacts/contacts';
import { Membership } from '../journeys/domain/membership';
import { keys } from '../shared/keys';
import { queryAll } from '../shared/query';
import type { TimelineEvent } from '../shared/timeline';
import type { RecentSend } from './domain/guards';
import { ExperimentRef } from '../shared/experiment-ref';
import type { ClaimConditions, ClaimOutcome, ConsentChange, EmailStore, ReminderDue, ReserveOutcome, SendRecord, SendState } from './ports';
import { refusedBy, transactWrite } from '../shared/transactions';

/**
 * Email items of the single table:
 *
 * | item                  | PK                      | SK        |
 * | --------------------- | ----------------------- | --------- |
 * | send record (idempotency + link targets) | `IDEM#email#<sendId>` | `IDEM` |
 * | recent marketing sends (frequency cap)   | `CONTACT#<contactId>` | `MAILLOG` |
 * | journey membership (read, never written)  | `CONTACT#<contactId>` | `JOURNEY#<journeyId>` |
 * | double opt-in reminder due on a day      | `EMAILDUE#<yyyy-mm-dd>` | `<contactId>#<topic>` |
 *
 * Send records expire (TTL) a year and a month after the send: longer than a journey can wait, and long enough
 * for late clicks. After that a click token answers 404 like any unknown one.
 *
 * The mail log carries a `version`, raised by every write and checked by the next one: a marketing send takes its
 * slot in the same transaction as its claim, so two sends racing for the cap's last slot cannot both get it.
 */
export const emailKeys = {
  send: (sendId: string) => ({ PK: `IDEM#email#${sendId}`, SK: 'IDEM' }),
  mailLog: (contactId: string) => ({ PK: `CONTACT#${contactId}`, SK: 'MAILLOG' }),
  reminder: (day: string, contactId: string, topic: string) => ({ PK: `EMAILDUE#${day}`, SK: `${contactId}#${topic}` }),
};

const SEND_RECORD_TTL_SECONDS = 400 * 86_400;

const SendRecordSchema = z.object({
  sendId: z.string(),
  contactId: z.string(),
  templateId: z.string(),
  kind: z.enum(['marketing', 'transactional']),
  topic: z.string().optional(),
  journeyId: z.string().optional(),
  stepId: z.string().optional(),
  experiment: ExperimentRef.optional(),
  status: z.enum(['pending', 'sent', 'skipped', 'failed']),
  eventId: z.string(),
  messageId: z.string().optional(),
  reason: z.string().optional(),
  links: z.array(z.string()),
  createdAt: z.string(),
  lastClickAt: z.string().optional(),
});

const ReminderSchema = z.object({ day: z.string(), contactId: z.string(), topic: z.string(), formId: z.string() });

const MailLogSchema = z.object({
  sends: z.array(z.object({ at: z.string(), sendId: z.string() })),
  version: z.int().min(1).optional(),
});

/** How often a slot is given back when the mail log keeps changing under the write. */
const FREE_SLOT_ATTEMPTS = 5;

export class DynamoEmailStore implements EmailStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async loadForSend(contactId: string, sendId: string, journeyId?: string): Promise<SendState> {
    const wanted = [
      keys.profile(contactId),
      emailKeys.mailLog(contactId),
      emailKeys.send(sendId),
      ...(journeyId ? [keys.membership(contactId, journeyId)] : []),
    ];
    let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
      [this.tableName]: { Keys: wanted, ConsistentRead: true },
    };
    const items: Record<string, unknown>[] = [];
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt > 10) throw new Error('BatchGetItem kept returning unprocessed keys');
      const result = await this.db.send(new BatchGetCommand({ RequestItems: request }));
      items.push(...(result.Responses?.[this.tableName] ?? []));
      request = result.UnprocessedKeys as typeof request;
    }
    const find = (key: { PK: string; SK: string }) => items.find((item) => item.PK === key.PK && item.SK === key.SK);
    const profile = find(wanted[0]!);
    const log = find(wanted[1]!);
    const record = find(wanted[2]!);
    const membership = wanted[3] && find(wanted[3]);
    const mailLog = log ? parse(MailLogSchema, log) : undefined;
    return {
      ...(profile ? { contact: parseContact(profile) } : {}),
      recent: mailLog?.sends ?? [],
      ...(mailLog?.version !== undefined ? { mailLogVersion: mailLog.version } : {}),
      ...(record ? { record: parseRecord(record) } : {}),
      ...(membership ? { membership: parse(Membership, membership) } : {}),
    };
  }

  async recordSkip(record: SendRecord, event: TimelineEvent): Promise<ClaimOutcome> {
    try {
      await transactWrite(this.db, [
        { Put: { TableName: this.tableName, Item: this.recordItem(record), ConditionExpression: 'attribute_not_exists(PK)' } },
        putEventOnce(this.tableName, event),
      ]);
      return { type: 'Claimed' };
    } catch (error) {
      if (refusedBy(error, 0)) return this.existing(record.sendId);
      throw error;
    }
  }

  async claim(record: SendRecord, conditions: ClaimConditions = {}): Promise<ReserveOutcome> {
    const { enrolment, mailLog } = conditions;
    if (!enrolment && !mailLog) return this.claimAlone(record);
    try {
      await transactWrite(this.db, [
        { Put: { TableName: this.tableName, Item: this.recordItem(record), ConditionExpression: 'attribute_not_exists(PK)' } },
        ...(enrolment
          ? [
              {
                ConditionCheck: {
                  TableName: this.tableName,
                  Key: keys.membership(record.contactId, enrolment.journeyId),
                  ConditionExpression: 'executionName = :name AND #status = :running',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: { ':name': enrolment.executionName, ':running': 'running' },
                },
              },
            ]
          : []),
        ...(mailLog ? [{ Put: this.mailLogPut(record.contactId, mailLog.sends, mailLog.version) }] : []),
      ]);
      return { type: 'Claimed' };
    } catch (error) {
      if (refusedBy(error, 0)) return this.existing(record.sendId);
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')) {
        return { type: 'Raced' };
      }
      throw error;
    }
  }

  private async claimAlone(record: SendRecord): Promise<ClaimOutcome> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.recordItem(record),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return { type: 'Claimed' };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return this.existing(record.sendId);
      throw error;
    }
  }

  async markSent(record: SendRecord, messageId: string, event: TimelineEvent): Promise<boolean> {
    return this.settle(record, 'sent', { messageId }, event);
  }

  async markFailed(record: SendRecord, error: string, event: TimelineEvent): Promise<boolean> {
    const settled = await this.settle(record, 'failed', { reason: error }, event);
    if (settled) await this.freeSlot(record);
    return settled;
  }

  /**
   * Moves a pending send record to its outcome (`status` and the attributes `set`) and appends the outcome's event,
   * in one transaction; false when the record was no longer `pending` (settled before).
   */
  private async settle(record: SendRecord, status: 'sent' | 'failed', set: Record<string, string>, event: TimelineEvent): Promise<boolean> {
    const names = Object.keys(set);
    try {
      await transactWrite(this.db, [
        {
          Update: {
            TableName: this.tableName,
            Key: emailKeys.send(record.sendId),
            UpdateExpression: `SET #status = :status, ${names.map((name, i) => `#s${i} = :s${i}`).join(', ')}`,
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status', ...Object.fromEntries(names.map((name, i) => [`#s${i}`, name])) },
            ExpressionAttributeValues: { ':status': status, ':pending': 'pending', ...Object.fromEntries(names.map((name, i) => [`:s${i}`, set[name]])) },
          },
        },
        putEventOnce(this.tableName, event),
      ]);
      return true;
    } catch (error) {
      if (refusedBy(error, 0)) return false;
      throw error;
    }
  }

  async release(record: SendRecord): Promise<void> {
    await this.db
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: emailKeys.send(record.sendId),
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending' },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
    await this.freeSlot(record);
  }

  /** Gives a marketing send's mail-log slot back (it never went out), under the same version check as claims. */
  private async freeSlot(record: SendRecord): Promise<void> {
    if (record.kind !== 'marketing') return;
    for (let attempt = 0; attempt < FREE_SLOT_ATTEMPTS; attempt++) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: emailKeys.mailLog(record.contactId), ConsistentRead: true }),
      );
      const log = Item ? parse(MailLogSchema, Item) : undefined;
      if (!log?.sends.some((send) => send.sendId === record.sendId)) return;
      try {
        const sends = log.sends.filter((send) => send.sendId !== record.sendId);
        await this.db.send(new PutCommand(this.mailLogPut(record.contactId, sends, log.version)));
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    throw new ContactContended(`the mail log kept changing while giving back the slot of send ${record.sendId}`);
  }

  /** The mail log's next version, written only if it is still at `version` (absent: never written with one). */
  private mailLogPut(contactId: string, sends: readonly RecentSend[], version: number | undefined) {
    return {
      TableName: this.tableName,
      Item: { ...emailKeys.mailLog(contactId), sends, version: (version ?? 0) + 1 },
      ConditionExpression: version === undefined ? 'attribute_not_exists(#version)' : '#version = :version',
      ExpressionAttributeNames: { '#version': 'version' },
      ...(version === undefined ? {} : { ExpressionAttributeValues: { ':version': version } }),
    };
  }

  /**
   * A consistent read: callers read a record right after a write that may have raced theirs (a claim, the sender's
   * own confirmation against an SES event settling it), where a stale `pending` would answer `send_in_doubt`.
   */
  async getSend(sendId: string): Promise<SendRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: emailKeys.send(sendId), ConsistentRead: true }));
    return Item ? parseRecord(Item) : undefined;
  }

  async noteClick(sendId: string, at: Date): Promise<{ record: SendRecord; previousClickAt?: string } | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: emailKeys.send(sendId),
          UpdateExpression: 'SET lastClickAt = :at ADD clicks :one',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':at': at.toISOString(), ':one': 1 },
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (!Attributes) return undefined;
      const record = parseRecord(Attributes);
      const previous = Attributes.lastClickAt as string | undefined;
      return { record, ...(previous ? { previousClickAt: previous } : {}) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async append(event: TimelineEvent): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand(putEventOnce(this.tableName, event).Put),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async updateConsent(
    contactId: string,
    change: ConsentChange,
    events: readonly TimelineEvent[],
    at: string,
  ): Promise<boolean> {
    const topics = Object.entries(change.subscriptions ?? {});
    if (topics.length > 0) {
      // A nested SET needs its parent map: create it first, once per contact (an UpdateItem cannot both create
      // the map and set a key of it).
      await this.db
        .send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keys.profile(contactId),
            UpdateExpression: 'SET subscriptions = :empty',
            ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(subscriptions)',
            ExpressionAttributeValues: { ':empty': {} },
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        });
    }
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':at': at };
    const sets = ['updatedAt = :at'];
    topics.forEach(([topic, subscription], i) => {
      names[`#t${i}`] = topic;
      values[`:t${i}`] = subscription;
      sets.push(`subscriptions.#t${i} = :t${i}`);
    });
    if (change.suppressed) {
      values[':suppressed'] = change.suppressed;
      sets.push('suppressed = if_not_exists(suppressed, :suppressed)');
    }
    try {
      await transactWrite(this.db, [
        ...events.map((event) => putEventOnce(this.tableName, event)),
        {
          Update: {
            TableName: this.tableName,
            Key: keys.profile(contactId),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: 'attribute_exists(PK)',
            ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
            ExpressionAttributeValues: values,
          },
        },
      ]);
      return true;
    } catch (error) {
      if (refusedBy(error, 0)) return false;
      throw error;
    }
  }

  async getContact(contactId: string) {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.profile(contactId) }));
    return Item ? parseContact(Item) : undefined;
  }

  async scheduleReminder(due: ReminderDue): Promise<void> {
    // Kept a month past the day, in case the schedule was paused; the reminder job deletes it when done.
    const expiresAt = Math.floor(Date.parse(`${due.day}T00:00:00Z`) / 1000) + 30 * 86_400;
    await this.db.send(
      new PutCommand({ TableName: this.tableName, Item: { ...emailKeys.reminder(due.day, due.contactId, due.topic), ...due, expiresAt } }),
    );
  }

  async remindersDue(day: string): Promise<ReminderDue[]> {
    const items = await queryAll(this.db, {
      TableName: this.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': `EMAILDUE#${day}` },
    });
    return items.map((item) => parse(ReminderSchema, item));
  }

  async dropReminder(due: ReminderDue): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: emailKeys.reminder(due.day, due.contactId, due.topic) }));
  }

  private recordItem(record: SendRecord) {
    const expiresAt = Math.floor(Date.parse(record.createdAt) / 1000) + SEND_RECORD_TTL_SECONDS;
    return { ...emailKeys.send(record.sendId), ...record, expiresAt };
  }

  private async existing(sendId: string): Promise<ClaimOutcome> {
    const record = await this.getSend(sendId);
    if (!record) throw new Error(`send ${sendId} was claimed and is gone`);
    return { type: 'Exists', record };
  }
}

function parseRecord(item: Record<string, unknown>): SendRecord {
  const { lastClickAt: _ignored, ...record } = parse(SendRecordSchema, item);
  return record;
}

function parse<T>(schema: z.ZodType<T>, item: Record<string, unknown>): T {
  const parsed = schema.safeParse(item);
  if (!parsed.success) throw new CorruptItem(`${String(item.PK)} ${String(item.SK)} does not match its schema`);
  return parsed.data;
}

