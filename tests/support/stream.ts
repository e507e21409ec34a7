import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { captureGetRecordsWire, toLambdaRecord } from '../../local/stream-poller';
import type { TestTable } from './table';

/** Every record on the table's stream so far, exactly as a Lambda event source mapping would deliver them. */
export async function readStream(table: TestTable): Promise<DynamoDBRecord[]> {
  const wire = captureGetRecordsWire(table.streams);
  try {
    return await readAll(table, wire);
  } finally {
    table.streams.middlewareStack.remove('captureGetRecordsWire');
  }
}

async function readAll(table: TestTable, wire: ReturnType<typeof captureGetRecordsWire>): Promise<DynamoDBRecord[]> {
  const { Table } = await table.dynamoDb.send(new DescribeTableCommand({ TableName: table.tableName }));
  const StreamArn = Table!.LatestStreamArn!;
  const { StreamDescription } = await table.streams.send(new DescribeStreamCommand({ StreamArn }));
  const records: DynamoDBRecord[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator } = await table.streams.send(
      new GetShardIteratorCommand({ StreamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (ShardIterator) {
      const command = new GetRecordsCommand({ ShardIterator });
      const page = await table.streams.send(command);
      const batch = wire.take(command);
      records.push(...batch.map((record) => toLambdaRecord(record, StreamArn, 'us-east-1')));
      if (batch.length === 0) break;
      ShardIterator = page.NextShardIterator;
    }
  }
  return records;
}
