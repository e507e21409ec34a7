import { BatchGetCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys, segmentMembersPartition } from '../shared/keys';
import { InvalidMembersCursor, type MemberPage, type SegmentMembers } from './ports';

/** BatchGetItem takes at most 100 keys a call. */
const BATCH_GET_KEYS = 100;
const MAX_ATTEMPTS = 5;

/**
 * Members from GSI1 (`SEGMENT#<id>` → the member's state item, every attribute projected, so `since` comes with
 * it), then their profiles' emails by BatchGetItem. GSI1 is eventually consistent: a contact who left a moment ago
 * may still be listed, and is left out if its state item says it is no longer a member.
 */
export class DynamoSegmentMembers implements SegmentMembers {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async page(segmentId: string, page: { readonly limit: number; readonly cursor?: string }): Promise<MemberPage> {
    const partition = segmentMembersPartition(segmentId);
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        Limit: page.limit,
        ...(page.cursor ? { ExclusiveStartKey: decodeCursor(page.cursor, partition) } : {}),
      }),
    );
    const states = (result.Items ?? []).filter((item) => item.member === true);
    const emails = await this.emails(states.map((item) => String(item.contactId)));
    const members = states.map((item) => {
      const contactId = String(item.contactId);
      const email = emails.get(contactId);
      return { contactId, ...(email !== undefined ? { email } : {}), ...(typeof item.since === 'string' ? { since: item.since } : {}) };
    });
    const last = result.LastEvaluatedKey;
    return { members, ...(last ? { nextCursor: Buffer.from(JSON.stringify(last)).toString('base64url') } : {}) };
  }

  private async emails(contactIds: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (contactIds.length === 1) {
      // One member (the last page of a small segment): a GetItem, no batch to retry.
      const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.profile(contactIds[0]!), ProjectionExpression: 'contactId, email' }));
      if (Item) found.set(String(Item.contactId), String(Item.email));
      return found;
    }
    for (let start = 0; start < contactIds.length; start += BATCH_GET_KEYS) {
      let wanted: Record<string, unknown>[] = contactIds.slice(start, start + BATCH_GET_KEYS).map((id) => keys.profile(id));
      for (let attempt = 1; wanted.length > 0; attempt++) {
        if (attempt > MAX_ATTEMPTS) throw new Error('BatchGetItem kept returning unprocessed keys');
        const result = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: wanted, ProjectionExpression: 'contactId, email' } } }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) found.set(String(item.contactId), String(item.email));
        wanted = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return found;
  }
}

/** A cursor is a LastEvaluatedKey this API issued for this segment: its GSI1 partition, four string keys, nothing else. */
function decodeCursor(cursor: string, partition: string): Record<string, string> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidMembersCursor('cursor is not one this API issued');
  }
  const names = ['GSI1PK', 'GSI1SK', 'PK', 'SK'];
  const valid =
    typeof key === 'object' &&
    key !== null &&
    Object.keys(key).sort().join() === names.join() &&
    Object.values(key).every((value) => typeof value === 'string') &&
    (key as Record<string, string>).GSI1PK === partition;
  if (!valid) throw new InvalidMembersCursor('cursor is not one this API issued for this segment');
  return key as Record<string, string>;
}
