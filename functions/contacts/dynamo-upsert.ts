import {
  BatchGetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { Contact } from '../shared/contact';
import { EventName } from '../shared/events';
import { ulid } from '../shared/ids';
import { CorruptItem } from '../shared/items';
import { keys } from '../shared/keys';
import type { SecretSource } from '../shared/secrets';
import { suppressionHash, suppressionKey } from '../shared/suppression';
import { TimelineEvent } from '../shared/timeline';
import { backoff, contended } from '../shared/transactions';
import { ContactContended } from './contacts';
import { decideUpsert, resolveTarget, type UpsertRequest } from './domain/upsert';
import { SEARCH_INDEX_PREFIX, indexChanges, indexEntries, type IndexEntry } from './domain/search-index';
import { toItem } from './dynamo-contacts';
import type { ContactUpserts, IdempotencyClaim, UpsertOrigin, UpsertOutcome } from './upsert';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const MAX_ATTEMPTS = 12;
/** Idempotency records live a day, as form posts' do: long enough for any retry. */
/** Days an Idempotency-Key is remembered unless the environment says otherwise. */
const IDEMPOTENCY_RETENTION_DAYS = 1;

/** Item keys the contacts API adds (see functions/shared/keys.ts for the shared ones). */
export const contactKeys = {
  /** The claim that makes an external id unique: `{ contactId }`, written in the transaction that assigns it. */
  externalId: (externalId: string) => ({ PK: `EXTID#${externalId}`, SK: 'EXTID' }),
  idempotency: (key: string) => ({ PK: `IDEM#contacts#${key}`, SK: 'IDEM' }),
};

/** The index entry as an item of the contact's partition. */
export function indexItem(contactId: string, entry: IndexEntry): Record<string, unknown> {
  return { PK: keys.profile(contactId).PK, ...entry };
}

/**
 * Upserts in the single table. Load: one consistent BatchGetItem (email claim, external-id claim, idempotency
 * record), one consistent Query of the target's profile and index entries. Decide: functions/contacts/domain.
 * Write: ONE TransactWriteItems — claims, profile (conditional on `updatedAt` as loaded, so a concurrent writer
 * makes it read again rather than be overwritten), the `contact.upserted` event, the index entries and the
 * idempotency record — or, when nothing changes, only the idempotency record.
 */
export class DynamoContactUpserts implements ContactUpserts {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The funnel's initial stage, which a profile without a stage is indexed under. */
    private readonly initialStage: string,
    /** The suppression list's HMAC key: without one, erased addresses are not looked for. */
    private readonly suppressionMacKey?: SecretSource,
    /** Days an Idempotency-Key is remembered (DynamoDB TTL): the environment's idempotency retention. */
    private readonly idempotencyRetentionDays = IDEMPOTENCY_RETENTION_DAYS,
  ) {}

  async upsert(request: UpsertRequest, origin: UpsertOrigin, at: Date, idempotency?: IdempotencyClaim): Promise<UpsertOutcome> {
    const now = at.toISOString();
    // An erased person's address, read in the same BatchGetItem as the claims (functions/shared/suppression.ts).
    const suppressed =
      this.suppressionMacKey && request.email !== undefined ? suppressionKey(suppressionHash(await this.suppressionMacKey(), request.email)) : undefined;
    for (let attempt = 1; ; attempt++) {
      const claims = await this.readClaims(request, idempotency, suppressed);
      if (claims.replay) {
        if (claims.replay.fingerprint !== idempotency?.fingerprint) return { type: 'KeyReused' };
        return { ...claims.replay.outcome, replayed: true } as UpsertOutcome;
      }
      // Nobody has the address now (a new contact, or an email change to it) and its owner was erased.
      if (claims.suppressed && !claims.byEmail && !freshConsent(request, origin)) {
        return {
          type: 'Erased',
          message:
            origin.via === 'import'
              ? 'this address belongs to a person who was erased: imports do not bring it back'
              : 'this address belongs to a person who was erased: state a consent given now ("consents" with status "subscribed") to create the contact again',
        };
      }
      const candidate = claims.byEmail ?? claims.byExternalId;
      const loaded = candidate ? await this.load(candidate) : undefined;
      const target = resolveTarget(request, {
        ...(claims.byEmail ? { byEmail: claims.byEmail } : {}),
        ...(claims.byExternalId ? { byExternalId: claims.byExternalId } : {}),
        ...(claims.byEmail && loaded?.contact?.externalId ? { externalIdOfEmailContact: loaded.contact.externalId } : {}),
      });
      if (target.type === 'UnknownExternalId') return { type: 'NotFound', message: target.message };
      if (target.type === 'ExternalIdTaken' || target.type === 'ExternalIdDiffers') {
        return { type: 'Conflict', code: 'external_id_conflict', message: target.message };
      }
      const existing = target.type === 'Existing' ? (target.contactId === candidate ? loaded : await this.load(target.contactId)) : undefined;
      // A claim without its profile (an erase in progress): read again, then give up as contended.
      if (target.type === 'Existing' && !existing?.contact) {
        if (attempt >= MAX_ATTEMPTS) throw new ContactContended(`claim without a profile after ${attempt} attempts`);
        await backoff(attempt);
        continue;
      }
      const contactId = target.type === 'Existing' ? target.contactId : ulid(at.getTime());
      const decision = decideUpsert(request, existing?.contact, { contactId, now, ...origin });

      const eventId = ulid(at.getTime());
      const outcome: UpsertOutcome =
        decision.type === 'Unchanged'
          ? { type: 'Unchanged', contactId }
          : { type: decision.type === 'Create' ? 'Created' : 'Updated', contactId, eventId };
      const idemItem = idempotency
        ? {
            Put: {
              TableName: this.tableName,
              Item: {
                ...contactKeys.idempotency(idempotency.key),
                fingerprint: idempotency.fingerprint,
                outcome,
                expiresAt: Math.floor(at.getTime() / 1_000) + this.idempotencyRetentionDays * 86_400,
              },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          }
        : undefined;

      try {
        if (decision.type === 'Unchanged') {
          if (idemItem) await this.db.send(new PutCommand(idemItem.Put));
          return outcome;
        }
        const event = TimelineEvent.parse({ eventId, contactId, occurredAt: now, type: EventName.ContactUpserted, data: decision.change });
        const { put, remove } = indexChanges(indexEntries(decision.contact, this.initialStage), existing?.index ?? []);
        const items: TransactItem[] = [
          ...this.claimWrites(decision.contact, existing?.contact, request),
          this.profileWrite(decision.contact, existing?.contact),
          { Put: { TableName: this.tableName, Item: toItem(event), ConditionExpression: 'attribute_not_exists(PK)' } },
          ...put.map((entry) => ({ Put: { TableName: this.tableName, Item: indexItem(contactId, entry) } })),
          ...remove.map((sk) => ({ Delete: { TableName: this.tableName, Key: { PK: keys.profile(contactId).PK, SK: sk } } })),
          ...(idemItem ? [idemItem] : []),
        ];
        await this.db.send(new TransactWriteCommand({ TransactItems: items }));
        return outcome;
      } catch (error) {
        const refused = contended(error) || (error instanceof Error && error.name === 'ConditionalCheckFailedException');
        if (!refused || attempt >= MAX_ATTEMPTS) {
          if (refused) throw new ContactContended(`gave up after ${attempt} attempts`, { cause: error });
          throw error;
        }
        // Another writer changed the profile, took a claim or recorded the same idempotency key: read again.
        await backoff(attempt);
      }
    }
  }

  private async readClaims(request: UpsertRequest, idempotency: IdempotencyClaim | undefined, suppressed: { PK: string } | undefined) {
    const wanted = [
      ...(request.email !== undefined ? [keys.email(request.email)] : []),
      ...(request.externalId !== undefined ? [contactKeys.externalId(request.externalId)] : []),
      ...(idempotency ? [contactKeys.idempotency(idempotency.key)] : []),
      ...(suppressed ? [suppressed] : []),
    ];
    const result = await this.db.send(
      new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: wanted, ConsistentRead: true } } }),
    );
    // Four small items never exceed BatchGetItem's limits; under throttling a key comes back unprocessed, and
    // reading it as "absent" could create a duplicate, so that is treated as contention.
    if (Object.keys(result.UnprocessedKeys ?? {}).length > 0) throw new ContactContended('claims were not read (throttled)');
    const found = result.Responses?.[this.tableName] ?? [];
    const pick = (key: { PK: string } | undefined) => (key ? found.find((item) => item.PK === key.PK) : undefined);
    const email = pick(request.email !== undefined ? keys.email(request.email) : undefined);
    const external = pick(request.externalId !== undefined ? contactKeys.externalId(request.externalId) : undefined);
    const idem = pick(idempotency ? contactKeys.idempotency(idempotency.key) : undefined);
    return {
      byEmail: email?.contactId as string | undefined,
      byExternalId: external?.contactId as string | undefined,
      replay: idem ? { fingerprint: String(idem.fingerprint), outcome: idem.outcome as UpsertOutcome } : undefined,
      suppressed: pick(suppressed) !== undefined,
    };
  }

  /** The profile and its search index entries, in one consistent Query of the contact's partition. */
  private async load(contactId: string): Promise<{ contact?: Contact; index: IndexEntry[] }> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': keys.profile(contactId).PK, ':from': SEARCH_INDEX_PREFIX, ':to': 'PROFILE' },
        ConsistentRead: true,
      }),
    );
    const profile = Items.find((item) => item.SK === 'PROFILE');
    const index = Items.filter((item) => String(item.SK).startsWith(SEARCH_INDEX_PREFIX)).map((item) => ({
      SK: String(item.SK),
      GSI1PK: String(item.GSI1PK),
      GSI1SK: String(item.GSI1SK),
    }));
    if (!profile) return { index };
    const parsed = Contact.safeParse(profile);
    if (!parsed.success) throw new CorruptItem(`profile ${String(profile.PK)} does not match the contact schema`);
    return { contact: parsed.data, index };
  }

  /** The email and external-id claims the write takes, moves or checks. */
  private claimWrites(contact: Contact, existing: Contact | undefined, request: UpsertRequest): TransactItem[] {
    const items: TransactItem[] = [];
    const claim = (key: { PK: string; SK: string }): TransactItem => ({
      Put: { TableName: this.tableName, Item: { ...key, contactId: contact.contactId, createdAt: contact.updatedAt }, ConditionExpression: 'attribute_not_exists(PK)' },
    });
    if (!existing || existing.email !== contact.email) items.push(claim(keys.email(contact.email)));
    if (existing && existing.email !== contact.email) {
      items.push({
        Delete: {
          TableName: this.tableName,
          Key: keys.email(existing.email),
          ConditionExpression: 'contactId = :contactId',
          ExpressionAttributeValues: { ':contactId': contact.contactId },
        },
      });
    } else if (existing && request.email !== undefined) {
      items.push({
        ConditionCheck: {
          TableName: this.tableName,
          Key: keys.email(contact.email),
          ConditionExpression: 'contactId = :contactId',
          ExpressionAttributeValues: { ':contactId': contact.contactId },
        },
      });
    }
    if (contact.externalId !== undefined && contact.externalId !== existing?.externalId) items.push(claim(contactKeys.externalId(contact.externalId)));
    return items;
  }

  /**
   * A new profile (refused if it exists), or an Update of the parts an upsert owns — email, externalId, attributes,
   * tags, subscriptions, smsSubscriptions, phone, emailRole, updatedAt — conditional on `updatedAt` as loaded. Every writer of those parts
   * moves `updatedAt`; score and stage (which scoring writes without it) are never touched here.
   */
  private profileWrite(contact: Contact, existing: Contact | undefined): TransactItem {
    if (!existing) {
      return { Put: { TableName: this.tableName, Item: { ...keys.profile(contact.contactId), ...contact }, ConditionExpression: 'attribute_not_exists(PK)' } };
    }
    const values: Record<string, unknown> = {
      ':email': contact.email,
      ':attributes': contact.attributes,
      ':updatedAt': contact.updatedAt,
      ':seen': existing.updatedAt,
    };
    const sets = ['email = :email', 'attributes = :attributes', 'updatedAt = :updatedAt'];
    const removes: string[] = [];
    const optional = {
      tags: contact.tags,
      subscriptions: contact.subscriptions,
      smsSubscriptions: contact.smsSubscriptions,
      phone: contact.phone,
      externalId: contact.externalId,
      emailRole: contact.emailRole,
    };
    for (const [name, value] of Object.entries(optional)) {
      if (value === undefined) {
        if (existing[name as keyof Contact] !== undefined) removes.push(name);
      } else {
        sets.push(`${name} = :${name}`);
        values[`:${name}`] = value;
      }
    }
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.profile(contact.contactId),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: 'attribute_exists(PK) AND updatedAt = :seen',
        ExpressionAttributeValues: values,
      },
    };
  }
}

/** A consent to some topic given in this very request, which alone may bring an erased address back (never an import). */
function freshConsent(request: UpsertRequest, origin: UpsertOrigin): boolean {
  return origin.via !== 'import' && request.consents.some((consent) => consent.status === 'subscribed');
}
