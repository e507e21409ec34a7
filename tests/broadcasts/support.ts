import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from '../../functions/shared/ids';
import { keys, segmentMemberKeys } from '../../functions/shared/keys';

/** What a test contact is, as far as a broadcast cares. */
export interface Member {
  readonly contactId: string;
  readonly email: string;
  /** `time_zone` attribute; absent means the default zone. */
  readonly zone?: string;
  /** Why this contact must not get a marketing email, if it must not. */
  readonly blocked?: 'suppressed' | 'unsubscribed' | 'unconfirmed';
  /** A member of the segment (a contact that is not stays out of the audience). */
  readonly member?: boolean;
}

let counter = 0;

/** A contact of the given kind, with a unique address. */
export function member(overrides: Partial<Member> = {}): Member {
  const contactId = ulid();
  return { contactId, email: `reader${++counter}-${contactId.toLowerCase()}@example.com`, member: true, ...overrides };
}

/**
 * Writes each contact's profile (the contact schema's shape, as the contacts capability stores it) and, for members,
 * its segment state item with the GSI1 membership keys, as the segments capability writes them.
 */
export async function seedMembers(db: DynamoDBDocumentClient, tableName: string, segmentId: string, members: readonly Member[]): Promise<void> {
  const at = '2026-03-01T10:00:00.000Z';
  const items = members.flatMap((m) => [
    {
      ...keys.profile(m.contactId),
      contactId: m.contactId,
      email: m.email,
      attributes: { first_name: 'Ada', ...(m.zone ? { time_zone: m.zone } : {}) },
      createdAt: at,
      updatedAt: at,
      ...(m.blocked === 'suppressed' ? { suppressed: { reason: 'bounce', at } } : {}),
      ...(m.blocked === 'unsubscribed' ? { subscriptions: { newsletter: { status: 'unsubscribed', at, source: 'preferences' } } } : {}),
      ...(m.blocked === 'unconfirmed' ? { subscriptions: { newsletter: { status: 'pending', at, source: 'form' } } } : {}),
    },
    ...(m.member === false
      ? []
      : [{ ...keys.segmentState(m.contactId, segmentId), ...segmentMemberKeys(segmentId, m.contactId), segmentId, contactId: m.contactId, member: true, since: at, memory: {}, evaluatedAt: at }]),
  ]);
  for (let i = 0; i < items.length; i += 25) {
    await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
}

/** The skip counts a broadcast should report for these contacts (members only). */
export function expectedSkips(members: readonly Member[]): Record<string, number> {
  const skips: Record<string, number> = {};
  for (const m of members) if (m.member !== false && m.blocked) skips[m.blocked] = (skips[m.blocked] ?? 0) + 1;
  return skips;
}

/** The addresses that should get the email: members nothing blocks. */
export function eligible(members: readonly Member[]): string[] {
  return members.filter((m) => m.member !== false && !m.blocked).map((m) => m.email).sort();
}

/** An audience of `size` with a few of each kind of blocked contact and a few non-members. */
export function mixedAudience(size: number, zone?: string): Member[] {
  const z = zone ? { zone } : {};
  return Array.from({ length: size }, (_, i) => {
    if (i % 10 === 3) return member({ ...z, blocked: 'unsubscribed' });
    if (i % 10 === 6) return member({ ...z, blocked: 'suppressed' });
    if (i % 25 === 9) return member({ ...z, blocked: 'unconfirmed' });
    if (i % 20 === 11) return member({ ...z, member: false });
    return member(z);
  });
}
