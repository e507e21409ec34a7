import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ContactContended, CorruptItem } from '../contacts/contacts';
import { parseContact, putEventOnce } from '../contacts/dynamo-contacts';
import { smsSendRecordKey } from '../contacts/domain/contact-data';
import { Membership } from '../journeys/domain/membership';
import { keys } from '../shared/keys';
import type { TimelineEvent } from '../shared/timeline';
import { refusedBy, transactWrite } from '../shared/transactions';
import type { RecentSend } from './domain/guards';
import type { SmsClaimConditions, SmsClaimOutcome, SmsSendRecord, SmsSendState, SmsStore } from './ports';
import type { SmsInboundStore } from './sms-inbound';

/**
 * SMS items of the single table:
 *
 * | item                                  | PK                    | SK        |
 * | ------------------------------------- | --------------------- | --------- |
 * | send record (idempotency)             | `IDEM#sms#<sendId>`   | `IDEM`    |
 * | recent marketing sends (shared with email's frequency cap) | `CONTACT#<contactId>` | `MAILLOG` |
 * | phone index: the contact last texted at a number | `PHONE#<e164>` | `CONTACT` |
 * | inbound message from an unknown number (30 days) | `SMSIN#<inboundMessageId>` | `INBOUND` |
 *
 * The mail log is email's (functions/email/dynamo-email-store.ts): same slots, same `version` check, so an email
 * and a text racing for the cap's last slot cannot both get it. Send records expire 400 days after the send.
 */
export const smsKeys = {
  send: smsSendRecordKey,
  phone: (phone: string) => ({ PK: `PHONE#${phone}`, SK: 'CONTACT' }),
  unknownInbound: (inboundMessageId: string) => ({ PK: `SMSIN#${inboundMessageId}`, SK: 'INBOUND' }),
  mailLog: (contactId: string) => ({ PK: `CONTACT#${contactId}`, SK: 'MAILLOG' }),
};

const SEND_RECORD_TTL_SECONDS = 400 * 86_400;
const FREE_SLOT_ATTEMPTS = 5;

const SmsSendRecordSchema = z.object({
  sendId: z.string(),
  contactId: z.string(),
  templateId: z.string(),
  topic: z.string().optional(),
  journeyId: z.string().optional(),
  stepId: z.string().optional(),
  status: z.enum(['pending', 'sent', 'skipped', 'failed']),
  eventId: z.string(),
  messageId: z.string().optional(),
  reason: z.string().optional(),
  parts: z.int().optional(),
  encoding: z.enum(['GSM-7', 'UCS-2']).optional(),
  createdAt: z.string(),
});

const MailLogSchema = z.object({
  sends: z.array(z.object({ at: z.string(), sendId: z.string() })),
  version: z.int().min(1).optional(),
});

export class DynamoSmsStore implements SmsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async loadForSend(contactId: string, sendId: string, journeyId?: string): Promise<SmsSendState> {
    const wanted = [keys.profile(contactId), smsKeys.mailLog(contactId), smsKeys.send(sendId), ...(journeyId ? [keys.membership(contactId, journeyId)] : [])];
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
    const find = (key: { PK: string; SK: string } | undefined) => key && items.find((item) => item.PK === key.PK && item.SK === key.SK);
    const profile = find(wanted[0]);
    const log = find(wanted[1]);
    const record = find(wanted[2]);
    const membership = find(wanted[3]);
    const mailLog = log ? parse(MailLogSchema, log) : undefined;
    return {
      ...(profile ? { contact: parseContact(profile) } : {}),
      recent: mailLog?.sends ?? [],
      ...(mailLog?.version !== undefined ? { mailLogVersion: mailLog.version } : {}),
      ...(record ? { record: parse(SmsSendRecordSchema, record) } : {}),
      ...(membership ? { membership: parse(Membership, membership) } : {}),
    };
  }

  async recordSkip(record: SmsSendRecord, event: TimelineEvent): Promise<SmsClaimOutcome> {
    try {
      await transactWrite(this.db, [this.putRecord(record), putEventOnce(this.tableName, event)]);
      return { type: 'Claimed' };
    } catch (error) {
      if (refusedBy(error, 0)) return this.existing(record.sendId);
      throw error;
    }
  }

  async claim(record: SmsSendRecord, conditions: SmsClaimConditions): Promise<SmsClaimOutcome> {
    const { enrolment, mailLog, phone } = conditions;
    if (!enrolment && !mailLog && !phone) {
      try {
        await this.db.send(new PutCommand(this.putRecord(record).Put));
        return { type: 'Claimed' };
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return this.existing(record.sendId);
        throw error;
      }
    }
    try {
      await transactWrite(this.db, [
        this.putRecord(record),
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
        // The number's contact, for the replies it will send (STOP, HELP): the contact texted last at it.
        ...(phone ? [{ Put: { TableName: this.tableName, Item: { ...smsKeys.phone(phone), contactId: record.contactId, phone } } }] : []),
      ]);
      return { type: 'Claimed' };
    } catch (error) {
      if (refusedBy(error, 0)) return this.existing(record.sendId);
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')) return { type: 'Raced' };
      throw error;
    }
  }

  async markSent(record: SmsSendRecord, messageId: string, event: TimelineEvent): Promise<boolean> {
    return this.settle(record, 'sent', { messageId }, event);
  }

  async markFailed(record: SmsSendRecord, error: string, event: TimelineEvent): Promise<boolean> {
    const settled = await this.settle(record, 'failed', { reason: error }, event);
    if (settled) await this.freeSlot(record);
    return settled;
  }

  async release(record: SmsSendRecord): Promise<void> {
    await this.db
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: smsKeys.send(record.sendId),
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

  async getSend(sendId: string): Promise<SmsSendRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: smsKeys.send(sendId), ConsistentRead: true }));
    return Item ? parse(SmsSendRecordSchema, Item) : undefined;
  }

  private async settle(record: SmsSendRecord, status: 'sent' | 'failed', set: Record<string, string>, event: TimelineEvent): Promise<boolean> {
    const names = Object.keys(set);
    try {
      await transactWrite(this.db, [
        {
          Update: {
            TableName: this.tableName,
            Key: smsKeys.send(record.sendId),
            UpdateExpression: `SET #status = :status, ${names.map((_, i) => `#s${i} = :s${i}`).join(', ')}`,
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

  /** Gives a send's mail-log slot back (it never went out), under the mail log's version check. */
  private async freeSlot(record: SmsSendRecord): Promise<void> {
    for (let attempt = 0; attempt < FREE_SLOT_ATTEMPTS; attempt++) {
      const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: smsKeys.mailLog(record.contactId), ConsistentRead: true }));
      const log = Item ? parse(MailLogSchema, Item) : undefined;
      if (!log?.sends.some((send) => send.sendId === record.sendId)) return;
      try {
        await this.db.send(new PutCommand(this.mailLogPut(record.contactId, log.sends.filter((send) => send.sendId !== record.sendId), log.version)));
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    throw new ContactContended(`the mail log kept changing while giving back the slot of SMS send ${record.sendId}`);
  }

  private mailLogPut(contactId: string, sends: readonly RecentSend[], version: number | undefined) {
    return {
      TableName: this.tableName,
      Item: { ...smsKeys.mailLog(contactId), sends, version: (version ?? 0) + 1 },
      ConditionExpression: version === undefined ? 'attribute_not_exists(#version)' : '#version = :version',
      ExpressionAttributeNames: { '#version': 'version' },
      ...(version === undefined ? {} : { ExpressionAttributeValues: { ':version': version } }),
    };
  }

  private putRecord(record: SmsSendRecord) {
    const expiresAt = Math.floor(Date.parse(record.createdAt) / 1000) + SEND_RECORD_TTL_SECONDS;
    return { Put: { TableName: this.tableName, Item: { ...smsKeys.send(record.sendId), ...record, expiresAt }, ConditionExpression: 'attribute_not_exists(PK)' } };
  }

  private async existing(sendId: string): Promise<SmsClaimOutcome> {
    const record = await this.getSend(sendId);
    if (!record) throw new Error(`SMS send ${sendId} was claimed and is gone`);
    return { type: 'Exists', record };
  }
}

function parse<T>(schema: z.ZodType<T>, item: Record<string, unknown>): T {
  const parsed = schema.safeParse(item);
  if (!parsed.success) throw new CorruptItem(`${String(item.PK)} ${String(item.SK)} does not match its schema`);
  return parsed.data;
}

/** Inbound texts: the phone index, timeline appends, and messages from numbers no contact has. */
export class DynamoSmsInboundStore implements SmsInboundStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async contactIdByPhone(phone: string): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: smsKeys.phone(phone), ConsistentRead: true }));
    return typeof Item?.contactId === 'string' ? Item.contactId : undefined;
  }

  async hasContact(contactId: string): Promise<boolean> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.profile(contactId), ProjectionExpression: 'PK' }));
    return Item !== undefined;
  }

  async append(events: readonly TimelineEvent[]): Promise<void> {
    try {
      await transactWrite(this.db, events.map((event) => putEventOnce(this.tableName, event)));
    } catch (error) {
      // Appended before (a redelivered notification): the events' ids are the inbound message's.
      if (events.some((_, i) => refusedBy(error, i))) return;
      throw error;
    }
  }

  async recordUnknown(message: { readonly inboundMessageId: string; readonly destination: string; readonly kind: string; readonly at: string }): Promise<void> {
    const expiresAt = Math.floor(Date.parse(message.at) / 1000) + 30 * 86_400;
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...smsKeys.unknownInbound(message.inboundMessageId), ...message, expiresAt } }));
  }
}
