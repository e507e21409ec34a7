import { appendFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type DynamoDBStreamsClient,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createLogger } from '../functions/shared/logger';

export type StreamLambda = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;

export interface StreamPollerOptions {
  readonly dynamoDb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly tableName: string;
  readonly handler: StreamLambda;
  /** Like the event source mapping's filter criteria: records that do not match never reach the handler. */
  readonly filter: (record: DynamoDBRecord) => boolean;
  /** @default 100 */
  readonly batchSize?: number;
  /** Pause between polls of an idle stream. @default 100 */
  readonly idleMs?: number;
  /** Retries of a failing batch before it goes to the failure file. @default 5 */
  readonly retryAttempts?: number;
  /** Where batches that kept failing are written (the local on-failure destination), JSON lines. */
  readonly failureFile?: string;
  readonly region: string;
}

export interface StreamPoller {
  /**
   * Lets a batch that is being delivered finish, then stops: no new batch, no retry and no failure record after
   * this call (records not marked done are delivered again by the next poller, from the start of the stream).
   */
  stop(): Promise<void>;
}

interface Shard {
  readonly id: string;
  readonly parentId: string | undefined;
  iterator?: string;
  lastSequence?: string;
  done: boolean;
}

/**
 * Reads the table's stream with the real DynamoDB Streams API and invokes the stream handler with
 * DynamoDBStreamEvent batches, the way a Lambda event source mapping does: shards in parent-before-child order,
 * filter criteria, partial batch responses (retry from the first failed record), retries then a failure record.
 */
const log = createLogger('stream-poller');

export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const { Table } = await options.dynamoDb.send(new DescribeTableCommand({ TableName: options.tableName }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream`);

  const wire = captureGetRecordsWire(options.streams);
  const shards = new Map<string, Shard>();
  let stopped = false;
  const halt = new AbortController();
  /** A pause that stop() cuts short. */
  const pause = (ms: number) => sleep(ms, undefined, { signal: halt.signal }).catch(() => undefined);
  let lastRefresh = 0;

  const refreshShards = async () => {
    let start: string | undefined;
    do {
      const { StreamDescription } = await options.streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (shard.ShardId && !shards.has(shard.ShardId)) {
          shards.set(shard.ShardId, { id: shard.ShardId, parentId: shard.ParentShardId, done: false });
        }
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    lastRefresh = Date.now();
  };

  const ready = (shard: Shard) => {
    if (shard.done) return false;
    const parent = shard.parentId ? shards.get(shard.parentId) : undefined;
    return !parent || parent.done;
  };

  const iteratorFor = async (shard: Shard) => {
    const { ShardIterator } = await options.streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.id,
        ...(shard.lastSequence
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: shard.lastSequence }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return ShardIterator;
  };

  const pollShard = async (shard: Shard): Promise<number> => {
    shard.iterator ??= await iteratorFor(shard);
    if (!shard.iterator) {
      shard.done = true;
      return 0;
    }
    let response;
    let records: WireRecord[];
    try {
      const command = new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: options.batchSize ?? 100 });
      response = await options.streams.send(command);
      records = wire.take(command);
    } catch (error) {
      if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
        shard.iterator = undefined;
        return 0;
      }
      throw error;
    }
    if (records.length > 0) {
      if (stopped) return 0;
      await deliver(records.map((record) => toLambdaRecord(record, streamArn, options.region)).filter(options.filter));
      shard.lastSequence = records.at(-1)?.dynamodb?.SequenceNumber ?? shard.lastSequence;
    }
    shard.iterator = response.NextShardIterator;
    if (!shard.iterator) shard.done = true;
    return records.length;
  };

  const deliver = async (batch: DynamoDBRecord[]) => {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      let failedFrom: number;
      try {
        const result = await options.handler({ Records: pending });
        const failed = new Set((result?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
        failedFrom = failed.size === 0 ? -1 : pending.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
        if (failed.size > 0 && failedFrom < 0) failedFrom = 0;
      } catch {
        failedFrom = 0;
      }
      // Once stopping, a failure is most likely the shutdown itself: leave the records for the next poller.
      if (failedFrom < 0 || stopped) return;
      pending = pending.slice(failedFrom);
      if (attempt >= (options.retryAttempts ?? 5)) {
        await recordFailure(pending);
        return;
      }
      await pause(Math.min(2_000, 100 * 2 ** attempt));
      if (stopped) return;
    }
  };

  const recordFailure = async (records: DynamoDBRecord[]) => {
    const line = JSON.stringify({
      at: new Date().toISOString(),
      streamArn,
      firstSequenceNumber: records[0]?.dynamodb?.SequenceNumber,
      lastSequenceNumber: records.at(-1)?.dynamodb?.SequenceNumber,
      records: records.length,
    });
    log.error('batch failed after retries', { detail: line });
    if (options.failureFile) await appendFile(options.failureFile, `${line}\n`);
  };

  const loop = async () => {
    while (!stopped) {
      try {
        if (Date.now() - lastRefresh > 2_000 || [...shards.values()].every((s) => s.done)) await refreshShards();
        let seen = 0;
        for (const shard of shards.values()) if (ready(shard) && !stopped) seen += await pollShard(shard);
        if (seen === 0) await pause(options.idleMs ?? 100);
      } catch (error) {
        if (stopped) break;
        log.error('poll failed', { error });
        await pause(1_000);
      }
    }
  };

  await refreshShards();
  const running = loop();
  return {
    async stop() {
      stopped = true;
      halt.abort();
      await running;
    },
  };
}

export interface WireRecord {
  readonly eventID?: string;
  readonly eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventVersion?: string;
  readonly awsRegion?: string;
  readonly dynamodb?: DynamoDBRecord['dynamodb'];
}

/**
 * Keeps the JSON of GetRecords responses as it came over the wire. A Lambda event source mapping hands the
 * function that JSON, while the SDK's typed output loses detail (it turns an empty map `{"M":{}}` into `{}`,
 * which no unmarshaller accepts). The middleware sits inside the deserializer, reads the body once and puts an
 * identical copy back for the SDK.
 */
export function captureGetRecordsWire(streams: DynamoDBStreamsClient) {
  const captured = new WeakMap<object, WireRecord[]>();
  streams.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const response = result.response as { body?: unknown };
      if (context.commandName !== 'GetRecordsCommand' || !(response.body instanceof Readable)) return result;
      const chunks: Buffer[] = [];
      for await (const chunk of response.body) chunks.push(Buffer.from(chunk as Uint8Array));
      const body = Buffer.concat(chunks);
      response.body = Readable.from([body]);
      const parsed = JSON.parse(body.toString('utf8')) as { Records?: WireRecord[] };
      captured.set(args.input as object, parsed.Records ?? []);
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'captureGetRecordsWire' },
  );
  return {
    take(command: GetRecordsCommand): WireRecord[] {
      const records = captured.get(command.input) ?? [];
      captured.delete(command.input);
      return records;
    },
  };
}

/** The wire record with the fields a Lambda event source mapping adds. */
export function toLambdaRecord(record: WireRecord, streamArn: string, region: string): DynamoDBRecord {
  const dynamodb = record.dynamodb && {
    ...record.dynamodb,
    ...(record.dynamodb.NewImage ? { NewImage: repairEmptyMaps(record.dynamodb.NewImage) } : {}),
    ...(record.dynamodb.OldImage ? { OldImage: repairEmptyMaps(record.dynamodb.OldImage) } : {}),
  };
  return {
    eventID: record.eventID ?? '',
    ...(record.eventName ? { eventName: record.eventName } : {}),
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? region,
    eventSourceARN: streamArn,
    ...(dynamodb ? { dynamodb } : {}),
  };
}

type WireImage = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;
type WireValue = WireImage[string];

/**
 * DynamoDB Local writes an empty map attribute to its stream as `{}` where DynamoDB writes `{"M":{}}`; put the
 * type back so the handler sees what it will see in AWS.
 */
function repairEmptyMaps(image: WireImage): WireImage {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, repairValue(value)]));
}

function repairValue(value: WireValue): WireValue {
  if (Object.keys(value).length === 0) return { M: {} };
  if (value.M) return { M: repairEmptyMaps(value.M) };
  if (value.L) return { L: value.L.map(repairValue) };
  return value;
}
