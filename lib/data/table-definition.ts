import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** A global secondary index of the single table: string keys, every attribute projected. */
export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

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
  /**
   * Secondary indexes. `GSI1` is overloaded, single-table style: an item that must be found by something other
   * than its key (a CRM id, an anonymous id, a date to sweep) sets `GSI1PK`/`GSI1SK` with its own prefix, and
   * items without them cost the index nothing. Add an index here and both the stack and the local table get it.
   */
  globalSecondaryIndexes: [
    { indexName: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
    // Segment windows to review, by the hour they lapse (functions/segments): an item on GSI1 as a segment member
    // must also be found by time, and an item has one key per index.
    { indexName: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
  ] as readonly IndexDefinition[],
} as const;

/** CreateTable input for DynamoDB Local (and any non-CDK environment). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, globalSecondaryIndexes } = tableDefinition;
  const keyNames = new Set([partitionKey, sortKey, ...globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey])]);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...keyNames].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: tableDefinition.streamViewType },
  };
}
