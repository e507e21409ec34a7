import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, paginateQuery, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { API_KEYS_PARTITION, apiKeyListKeys, keys } from '../shared/keys';
import type { KeyRecord } from './domain/access';
import { StoredKey, type ApiKeyStore, type KeySummary } from './ports';

/** API keys as items of the single table (`APIKEY#<keyId>` / `APIKEY`, listed through GSI1 `APIKEYS`). */
export class DynamoApiKeys implements ApiKeyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(record: StoredKey): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.apiKey(record.keyId), ...apiKeyListKeys(record.createdAt, record.keyId), ...record },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async put(record: StoredKey): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.tableName, Item: { ...keys.apiKey(record.keyId), ...apiKeyListKeys(record.createdAt, record.keyId), ...record } }),
    );
  }

  async get(keyId: string): Promise<KeyRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.apiKey(keyId) }));
    return Item ? StoredKey.parse(Item) : undefined;
  }

  async list(): Promise<KeySummary[]> {
    const found: KeySummary[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :p',
        ExpressionAttributeValues: { ':p': API_KEYS_PARTITION },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const { secretHash: _hash, ...summary } = StoredKey.parse(item);
        found.push(summary);
      }
    }
    return found;
  }

  async revoke(keyId: string, at: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.apiKey(keyId),
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async touch(keyId: string, at: string, notBefore: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.apiKey(keyId),
          UpdateExpression: 'SET lastUsedAt = :at',
          // Concurrent calls of one key write once: the others find a use already recorded in the interval.
          ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :notBefore)',
          ExpressionAttributeValues: { ':at': at, ':notBefore': notBefore },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
