import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { ensureTable, localCredentials, localRegion } from '../../local/dynamodb-local';

export interface TestTable {
  readonly tableName: string;
  readonly endpoint: string;
  readonly dynamoDb: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  readonly streams: DynamoDBStreamsClient;
  /** Every item in the table (tests only: tables are small). */
  scan(): Promise<Record<string, unknown>[]>;
  /** Every item under one partition key. */
  partition(pk: string): Promise<Record<string, unknown>[]>;
}

/**
 * The run's DynamoDB Local this test file uses: files take the instances in turn (each file runs in a worker with its
 * own id), so the run's load spreads over them.
 */
export function testDynamoDbEndpoint(): string {
  const endpoints = inject('dynamoDbEndpoints');
  return endpoints[Number(process.env.VITEST_WORKER_ID ?? 0) % endpoints.length]!;
}

/** A fresh table in one of the run's DynamoDB Locals, created from the same definition the stack deploys. */
export async function createTestTable(): Promise<TestTable> {
  const endpoint = testDynamoDbEndpoint();
  const config = { endpoint, region: localRegion, credentials: localCredentials };
  const dynamoDb = new DynamoDBClient(config);
  const documentClient = DynamoDBDocumentClient.from(dynamoDb, { marshallOptions: { removeUndefinedValues: true } });
  const tableName = `test-${randomUUID()}`;
  await ensureTable(dynamoDb, tableName);
  return {
    tableName,
    endpoint,
    dynamoDb,
    documentClient,
    streams: new DynamoDBStreamsClient(config),
    async scan() {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await documentClient.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },
    async partition(pk: string) {
      const page = await documentClient.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
        }),
      );
      return page.Items ?? [];
    },
  };
}

/** Calls `count` once for every command the client sends (the tests that count DynamoDB calls per request). */
export function onEveryCall(client: TestTable['documentClient'], count: () => void): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      count();
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
}
