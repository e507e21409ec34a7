import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Contact } from '../shared/contact';
import { keys } from '../shared/keys';
import { InvalidCursor } from './contacts';
import { indexEntries, searchPartition, type SearchKind } from './domain/search-index';
import { parseContact } from './dynamo-contacts';
import type { ContactSearch, SearchPage, SearchQuery } from './search';

const PREFIX_KINDS: ReadonlySet<SearchKind> = new Set(['emailPrefix', 'name']);

/**
 * The search index in the single table: one Query of GSI1 (a partition per value, or per two-character prefix
 * with `begins_with` on the sort key), then one BatchGetItem of the profiles it names. GSI1 is eventually
 * consistent and entries of profiles written by other paths are brought up to date by the reactor, so each
 * profile is checked against the entry that found it and left out if it no longer matches.
 */
export class DynamoContactSearch implements ContactSearch {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly initialStage: string,
  ) {}

  async search(query: SearchQuery): Promise<SearchPage> {
    const pk = searchPartition(query.kind, query.value);
    const prefix = PREFIX_KINDS.has(query.kind);
    const result = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: prefix ? 'GSI1PK = :pk AND begins_with(GSI1SK, :prefix)' : 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': pk, ...(prefix ? { ':prefix': query.value } : {}) },
        Limit: query.limit,
        ...(query.cursor ? { ExclusiveStartKey: decodeCursor(query.cursor, pk) } : {}),
      }),
    );
    const hits = (result.Items ?? []).map((item) => ({
      contactId: String(item.PK).slice('CONTACT#'.length),
      SK: String(item.SK),
      GSI1SK: String(item.GSI1SK),
    }));
    const profiles = await this.profiles([...new Set(hits.map((hit) => hit.contactId))]);
    const seen = new Set<string>();
    const contacts: Contact[] = [];
    for (const hit of hits) {
      const contact = profiles.get(hit.contactId);
      if (!contact || seen.has(hit.contactId)) continue;
      const current = indexEntries(contact, this.initialStage).find((entry) => entry.SK === hit.SK);
      if (current?.GSI1PK !== pk || (prefix ? !current.GSI1SK.startsWith(query.value) : current.GSI1SK !== hit.GSI1SK)) continue;
      seen.add(hit.contactId);
      contacts.push(contact);
    }
    const last = result.LastEvaluatedKey;
    return { contacts, ...(last ? { nextCursor: Buffer.from(JSON.stringify(last)).toString('base64url') } : {}) };
  }

  private async profiles(contactIds: string[]): Promise<Map<string, Contact>> {
    const found = new Map<string, Contact>();
    let wanted: Record<string, unknown>[] = contactIds.map((id) => keys.profile(id));
    // At most 100 keys (the page size), so one call, plus retries of what throttling left unprocessed.
    for (let attempt = 0; wanted.length > 0 && attempt < 5; attempt++) {
      const result = await this.db.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: wanted } } }));
      for (const item of result.Responses?.[this.tableName] ?? []) {
        const contact = parseContact(item);
        found.set(contact.contactId, contact);
      }
      wanted = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
    return found;
  }
}

/** A cursor is a LastEvaluatedKey this search issued: the same partition, four string keys, nothing else. */
function decodeCursor(cursor: string, pk: string): Record<string, string> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursor('cursor is not one this API issued');
  }
  const names = ['PK', 'SK', 'GSI1PK', 'GSI1SK'];
  const valid =
    typeof key === 'object' &&
    key !== null &&
    Object.keys(key).length === names.length &&
    names.every((name) => typeof (key as Record<string, unknown>)[name] === 'string') &&
    (key as Record<string, string>).GSI1PK === pk;
  if (!valid) throw new InvalidCursor('cursor is not one this API issued');
  return key as Record<string, string>;
}
