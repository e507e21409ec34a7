import {
  BatchGetCommand,
  type TransactWriteCommandInput,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ContactContended } from '../contacts/contacts';
import { type Contact, type Touch } from '../shared/contact';
import { claimAndCreate, emailClaimHeld, parseContact, profileSet, toItem } from '../contacts/dynamo-contacts';
import { EventName } from '../shared/events';
import { bucketOf } from '../shared/hash';
import { ulid } from '../shared/ids';
import { keys, metricPartition } from '../shared/keys';
import type { FormSubmittedData } from './events';
import type { FieldValue } from '../shared/values';
import { firstLink, trackingKeys } from '../tracking/tracking-keys';
import { ConsentRequiredAfterErasure, IntakeUnavailable, REPEAT_WINDOW_SECONDS, type Intake, type IntakeSubmission, type RecordedIntake } from './intake';
import type { SecretSource } from '../shared/secrets';
import { suppressionHash, suppressionKey } from '../shared/suppression';
import { backoff, cancellationReasons, contended } from '../shared/transactions';
import { HttpError } from '../shared/http';

const MAX_ATTEMPTS = 12;
type Key = { PK: string; SK: string };
/** Idempotency records live a day unless the environment says otherwise: long enough for any retry or double-click. */
const IDEMPOTENCY_RETENTION_DAYS = 1;
const BOT_COUNTER_SHARDS = 4;
/**
 * How long a submission may wait on DynamoDB, every call and retry included: under the function's 10 s timeout with
 * room for the read that settles an unknown outcome ({@link SETTLE_READ_MS}) and the answer.
 */
const DEFAULT_BUDGET_MS = 6_500;
const SETTLE_READ_MS = 1_500;

/** Extra item keys of form intake (see functions/shared/keys.ts for the shared ones). */
export const intakeKeys = {
  idempotency: (formId: string, key: string) => ({ PK: `IDEM#form#${formId}#${key}`, SK: 'IDEM' }),
};

/**
 * Form intake in the single table. The common path is TWO calls: a consistent read of the email claim (with the
 * idempotency record, in one BatchGetItem, when the post carries a key or a content key), then ONE transaction
 * writing the claim, the profile, the `form.submitted` event, the idempotency record and the anonymous-id link
 * together. Every call shares one deadline (`budgetMs`); a transaction whose answer is lost is settled by reading
 * its idempotency record back.
 */
export class DynamoIntake implements Intake {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The suppression list's HMAC key: without one, erased addresses are not looked for. */
    private readonly suppressionMacKey?: SecretSource,
    /** Days an Idempotency-Key is remembered (DynamoDB TTL): the environment's idempotency retention. */
    private readonly idempotencyRetentionDays = IDEMPOTENCY_RETENTION_DAYS,
    /** How long one submission may wait on DynamoDB before it is answered busy. @default 6500 */
    private readonly budgetMs = DEFAULT_BUDGET_MS,
  ) {}

  async record(submission: IntakeSubmission, at: Date): Promise<RecordedIntake> {
    const now = at.toISOString();
    const eventId = ulid(at.getTime());
    const key = submission.idempotencyKey ?? (submission.contentKey ? `content:${submission.contentKey}` : undefined);
    const idemKey = key ? intakeKeys.idempotency(submission.data.formId, key) : undefined;
    const ttlSeconds = submission.idempotencyKey ? this.idempotencyRetentionDays * 86_400 : REPEAT_WINDOW_SECONDS;
    const nowSeconds = Math.floor(at.getTime() / 1_000);
    // One deadline for every call of this submission: a stalled table is answered busy before the function times out.
    const signal = AbortSignal.timeout(this.budgetMs);

    const anonymousId = submission.data.anonymousId;
    const anonKey = anonymousId ? trackingKeys.anonymousLink(anonymousId) : undefined;

    // An erased person's address, read in the same BatchGetItem as the claim (functions/shared/suppression.ts).
    const suppressedKey = this.suppressionMacKey ? suppressionKey(suppressionHash(await this.suppressionMacKey(), submission.email)) : undefined;

    for (let attempt = 1; ; attempt++) {
      const { claim, replay: found, link, suppressed } = await this.read(submission.email, idemKey, anonKey, suppressedKey, nowSeconds, signal).catch(unavailable);
      // This very submission, when an earlier attempt's answer was lost but its transaction applied.
      if (found?.eventId === eventId) return { ...found, replayed: false };
      // A content key answers for the contact that holds its email now: once that contact is erased (or the email
      // moved), the same post is a new submission, and its record is replaced.
      const stale = found && !submission.idempotencyKey && claim?.contactId !== found.contactId ? found.eventId : undefined;
      const replay = stale ? undefined : found;
      if (replay) return { ...replay, replayed: true };
      const existingId = claim?.contactId as string | undefined;
      if (!existingId && suppressed && !submission.data.consents?.length) throw new ConsentRequiredAfterErasure();
      // Linked to this contact and merged before (functions/tracking marks `mergedAt`): no link to write, no merge.
      const anonymousMerged = existingId !== undefined && link?.contactId === existingId && typeof link.mergedAt === 'string';
      const contactId = existingId ?? ulid(at.getTime());
      const event = toItem({ eventId, contactId, type: EventName.FormSubmitted, occurredAt: now, data: submission.data });
      const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
        ...(existingId
          ? this.updateContact(existingId, submission, now)
          : this.createContact(contactId, submission, now)),
        { Put: { TableName: this.tableName, Item: event } },
      ];
      if (idemKey) {
        items.push({
          Put: {
            TableName: this.tableName,
            Item: { ...idemKey, contactId, eventId, created: !existingId, expiresAt: nowSeconds + ttlSeconds },
            // A record past its time (TTL deletes lazily) no longer answers for the key: it is replaced.
            ConditionExpression: `attribute_not_exists(PK) OR expiresAt <= :now${stale ? ' OR eventId = :stale' : ''}`,
            ExpressionAttributeValues: { ':now': nowSeconds, ...(stale ? { ':stale': stale } : {}) },
          },
        });
      }
      if (anonymousId && !anonymousMerged) items.push(this.linkAnonymous(anonymousId, contactId, now));
      const recorded = { contactId, eventId, created: !existingId, replayed: false, ...(anonymousMerged ? { anonymousMerged } : {}) };
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: items }), { abortSignal: signal });
        return recorded;
      } catch (error) {
        if (outcomeUnknown(error)) {
          // The transaction may have been applied with its answer lost: its idempotency record tells.
          const settled = idemKey ? await this.settle(idemKey, eventId, nowSeconds) : undefined;
          if (settled === 'ours') return recorded;
          if (settled) return { ...settled, replayed: true };
          throw new IntakeUnavailable('the submission\'s transaction did not answer in time; nothing of it is found', { cause: error });
        }
        if (isMissingConsentsMap(error) && existingId) {
          await this.addConsentsMap(existingId, signal).catch(unavailable);
          continue;
        }
        if (!contended(error) || attempt >= MAX_ATTEMPTS) {
          if (contended(error)) throw new ContactContended(`gave up after ${attempt} attempts`, { cause: error });
          throw error;
        }
        // Another writer created this email's contact, holds the same items, or just recorded the same
        // idempotency key: back off, then read again (a replay is then answered from the record).
        await backoff(attempt);
      }
    }
  }

  /**
   * After a transaction whose answer was lost: `'ours'` when its idempotency record holds this attempt's event, the
   * first answer when another post with the same key was stored, undefined when nothing is (or cannot be) found.
   */
  private async settle(idemKey: Key, eventId: string, nowSeconds: number): Promise<'ours' | Omit<RecordedIntake, 'replayed'> | undefined> {
    const { Item } = await this.db
      .send(new GetCommand({ TableName: this.tableName, Key: idemKey, ConsistentRead: true }), { abortSignal: AbortSignal.timeout(SETTLE_READ_MS) })
      .catch(() => ({ Item: undefined }));
    if (!Item || !(Number(Item.expiresAt) > nowSeconds)) return undefined;
    if (Item.eventId === eventId) return 'ours';
    return { contactId: String(Item.contactId), eventId: String(Item.eventId), created: Item.created === true };
  }

  private async read(email: string, idemKey: Key | undefined, anonKey: Key | undefined, suppressedKey: Key | undefined, nowSeconds: number, signal: AbortSignal) {
    if (!idemKey && !anonKey && !suppressedKey) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: keys.email(email), ConsistentRead: true }),
        { abortSignal: signal },
      );
      return { claim: Item };
    }
    const result = await this.db.send(
      new BatchGetCommand({
        RequestItems: {
          [this.tableName]: { Keys: [keys.email(email), ...[idemKey, anonKey, suppressedKey].filter((key) => key !== undefined)], ConsistentRead: true },
        },
      }),
      { abortSignal: signal },
    );
    // Four small items never exceed BatchGetItem's limits, so nothing is left unprocessed but under throttling;
    // then the loop's next attempt reads again (a link left unread only means the merge is not skipped).
    const found = result.Responses?.[this.tableName] ?? [];
    const claim = found.find((item) => item.PK === keys.email(email).PK);
    const idem = idemKey ? found.find((item) => item.PK === idemKey.PK) : undefined;
    const link = anonKey ? found.find((item) => item.PK === anonKey.PK) : undefined;
    const replay = idem && Number(idem.expiresAt) > nowSeconds
      ? { contactId: String(idem.contactId), eventId: String(idem.eventId), created: idem.created === true }
      : undefined;
    const suppressed = suppressedKey ? found.some((item) => item.PK === suppressedKey.PK) : false;
    return { claim, replay, link, suppressed };
  }

  private createContact(contactId: string, submission: IntakeSubmission, now: string) {
    const touch = touchOf(submission.data, now);
    const contact: Contact = {
      contactId,
      email: submission.email,
      attributes: attributesOf(submission.data),
      ...(touch ? { firstTouch: touch, lastTouch: touch } : {}),
      ...(submission.emailRole ? { emailRole: true } : {}),
      consents: consentsOf(submission.data, now),
      createdAt: now,
      updatedAt: now,
    };
    return claimAndCreate(this.tableName, contact, now);
  }

  private updateContact(contactId: string, submission: IntakeSubmission, now: string) {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':now': now };
    const sets = ['updatedAt = :now'];
    const setIn = (map: string, entries: [string, unknown][], prefix: string) => {
      if (entries.length === 0) return;
      names[`#${prefix}`] = map;
      entries.forEach(([name, value], i) => {
        names[`#${prefix}${i}`] = name;
        values[`:${prefix}${i}`] = value;
        sets.push(`#${prefix}.#${prefix}${i} = :${prefix}${i}`);
      });
    };
    setIn('attributes', Object.entries(attributesOf(submission.data)), 'a');
    setIn('consents', Object.entries(consentsOf(submission.data, now)), 'c');
    if (submission.emailRole) sets.push('emailRole = :role');
    if (submission.emailRole) values[':role'] = true;
    const touch = touchOf(submission.data, now);
    if (touch) {
      values[':touch'] = touch;
      sets.push('firstTouch = if_not_exists(firstTouch, :touch)', 'lastTouch = :touch');
    }
    return [emailClaimHeld(this.tableName, submission.email, contactId), profileSet(this.tableName, contactId, { sets, names, values })];
  }

  /**
   * Links the anonymous id to the contact unless it already is linked (first link wins, never fails the post).
   * The tracking capability merges the anonymous activity once it sees the link (functions/tracking).
   */
  private linkAnonymous(anonymousId: string, contactId: string, now: string) {
    return firstLink(this.tableName, trackingKeys.anonymousLink(anonymousId), contactId, now);
  }

  /** Profiles written before consents existed lack the map its entries are set in. */
  private async addConsentsMap(contactId: string, signal: AbortSignal): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.profile(contactId),
        UpdateExpression: 'SET consents = if_not_exists(consents, :empty)',
        ExpressionAttributeValues: { ':empty': {} },
      }),
      { abortSignal: signal },
    );
  }

  async countBot(_formId: string, reason: string, at: Date): Promise<void> {
    const shard = bucketOf(ulid(at.getTime()), BOT_COUNTER_SHARDS);
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        // Per reason, not per form: a daily total is all that is kept of a bot.
        Key: { PK: metricPartition(`forms.bots_refused.${reason}`, shard), SK: at.toISOString().slice(0, 10) },
        UpdateExpression: 'ADD #count :one',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  }

  async profile(contactId: string): Promise<Contact | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.profile(contactId) }));
    return Item ? parseContact(Item) : undefined;
  }
}

/** The touch a submission represents, or undefined when it carried no campaign parameters or click ids. */
export function touchOf(data: FormSubmittedData, at: string): Touch | undefined {
  const clickIds = data.clickIds ?? {};
  if (Object.keys(data.utm).length === 0 && Object.keys(clickIds).length === 0) return undefined;
  return {
    utm: data.utm,
    formId: data.formId,
    ...(Object.keys(clickIds).length ? { clickIds: clickIds as Record<string, string> } : {}),
    ...(data.landingPage ? { landingPage: data.landingPage } : {}),
    ...(data.pageReferrer ?? data.referrer ? { referrer: data.pageReferrer ?? data.referrer } : {}),
    at,
  };
}

/** Profile attributes a submission contributes: every answered field but the email (the key) and consents. */
function attributesOf(data: FormSubmittedData): Record<string, FieldValue> {
  const consentFields = new Set((data.consents ?? []).map((consent) => consent.field));
  return Object.fromEntries(Object.entries(data.fields).filter(([name]) => name !== 'email' && !consentFields.has(name)));
}

function consentsOf(data: FormSubmittedData, at: string): Record<string, NonNullable<Contact['consents']>[string]> {
  return Object.fromEntries(
    (data.consents ?? []).map((consent) => [
      consent.purpose,
      { textVersion: consent.textVersion, at, formId: data.formId, field: consent.field, ...(data.ip ? { ip: data.ip } : {}) },
    ]),
  );
}

/**
 * Whether a call's outcome is unknown: no answer came (timeout, abort, dropped connection) or DynamoDB failed inside
 * (5xx). A refusal (4xx: a condition, a validation, throttling) is an answer: nothing was written.
 */
function outcomeUnknown(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === undefined ? !(error instanceof HttpError) : status >= 500;
}

/** Throttling and the errors of {@link outcomeUnknown} before anything is written: answered busy. */
const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'LimitExceededException']);
function unavailable(error: unknown): never {
  if (outcomeUnknown(error) || (error instanceof Error && THROTTLED.has(error.name))) {
    throw new IntakeUnavailable('the table did not answer in time; nothing was written', { cause: error });
  }
  throw error;
}

function isMissingConsentsMap(error: unknown): boolean {
  if (error instanceof Error && error.name === 'ValidationException') return /document path/i.test(error.message);
  const reasons = cancellationReasons(error);
  return reasons.some((reason) => reason.Code === 'ValidationError' && /document path/i.test(reason.Message ?? ''));
}
