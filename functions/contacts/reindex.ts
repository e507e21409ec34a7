import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { forEachProfile } from '../shared/scan-profiles';
import { keys } from '../shared/keys';
import { refusedBy } from '../shared/transactions';
import { SEARCH_INDEX_PREFIX, indexChanges, indexEntries } from './domain/search-index';
import { indexItem } from './dynamo-upsert';
import { parseContact } from './dynamo-contacts';

export interface ReindexSummary {
  contacts: number;
  /** Contacts whose entries were written or removed. */
  written: number;
  /** Contacts that changed while being reindexed: left for the reactor (their change's event reindexes them). */
  skipped: number;
}

/**
 * A one-off backfill of the search index for profiles written before it existed (`npm run reindex`): the only
 * scan in the contacts capability, run by an operator, never by a request. Each contact's changes are one
 * transaction, conditional on the profile being as scanned; a contact that changed meanwhile is skipped, since the
 * event of that change has the reactor index it anyway. Running it twice writes nothing the second time.
 */
export async function reindexAll(options: { db: DynamoDBDocumentClient; tableName: string; initialStage: string; segments?: number }): Promise<ReindexSummary> {
  const totals: ReindexSummary = { contacts: 0, written: 0, skipped: 0 };
  const segments = options.segments ?? 4;
  await forEachProfile(options.db, options.tableName, segments, async (item) => {
    totals.contacts++;
    const outcome = await reindexOne(options, item);
    if (outcome === 'written') totals.written++;
    if (outcome === 'skipped') totals.skipped++;
  });
  return totals;
}

async function reindexOne(options: { db: DynamoDBDocumentClient; tableName: string; initialStage: string }, item: Record<string, unknown>) {
  const contact = parseContact(item);
  const { PK } = keys.profile(contact.contactId);
  const { Items = [] } = await options.db.send(
    new QueryCommand({
      TableName: options.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': PK, ':prefix': SEARCH_INDEX_PREFIX },
      ConsistentRead: true,
    }),
  );
  const stored = Items.map((entry) => ({ SK: String(entry.SK), GSI1PK: String(entry.GSI1PK), GSI1SK: String(entry.GSI1SK) }));
  const { put, remove } = indexChanges(indexEntries(contact, options.initialStage), stored);
  if (put.length === 0 && remove.length === 0) return 'unchanged';
  const sameStage = contact.stage === undefined ? 'attribute_not_exists(stage)' : 'stage = :stage';
  try {
    await options.db.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            ConditionCheck: {
              TableName: options.tableName,
              Key: keys.profile(contact.contactId),
              ConditionExpression: `updatedAt = :updatedAt AND ${sameStage}`,
              ExpressionAttributeValues: { ':updatedAt': contact.updatedAt, ...(contact.stage !== undefined ? { ':stage': contact.stage } : {}) },
            },
          },
          ...put.map((entry) => ({ Put: { TableName: options.tableName, Item: indexItem(contact.contactId, entry) } })),
          ...remove.map((sk) => ({ Delete: { TableName: options.tableName, Key: { PK, SK: sk } } })),
        ],
      }),
    );
    return 'written';
  } catch (error) {
    if (refusedBy(error, 0)) return 'skipped';
    throw error;
  }
}
