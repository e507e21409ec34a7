import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The single DynamoDB table, described once. The CDK data construct and the local runtime both build the
 * table from this module, so keys, indexes and the stream setting cannot drift between AWS and a laptop.
 */
export const tableDefinition = {
  partitionKey: 'PK',
  sortKey: 'SK',
  /** Items carrying this epoch-seconds attribute are deleted by DynamoDB TTL (idempotency records, waits). */
  timeToLiveAttribute: 'expiresAt',
  /** The reactor reads new timeline events from the stream; it only needs the new image. */
  streamViewType: 'NEW_IMAGE',
} as const;

/** CreateTable input for DynamoDB Local (and any non-CDK environment). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: tableDefinition.partitionKey, AttributeType: 'S' },
      { AttributeName: tableDefinition.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: tableDefinition.partitionKey, KeyType: 'HASH' },
      { AttributeName: tableDefinition.sortKey, KeyType: 'RANGE' },
    ],
    StreamSpecification: { StreamEnabled: true, StreamViewType: tableDefinition.streamViewType },
  };
}
