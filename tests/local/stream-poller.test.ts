import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { matchesFilter } from '../../functions/reactor/stream-filter';
import { startStreamPoller, type StreamLambda } from '../../local/stream-poller';
import { createTestTable, type TestTable } from '../support/table';

async function until(condition: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

const put = (table: TestTable, pk: string, sk: string) =>
  table.documentClient.send(new PutCommand({ TableName: table.tableName, Item: { PK: pk, SK: sk, n: 1, empty: {} } }));

async function pollWith(table: TestTable, handler: StreamLambda, failureFile?: string) {
  return startStreamPoller({
    dynamoDb: table.dynamoDb,
    streams: table.streams,
    tableName: table.tableName,
    region: 'us-east-1',
    handler,
    filter: (record) => matchesFilter(record),
    idleMs: 20,
    retryAttempts: 2,
    ...(failureFile ? { failureFile } : {}),
  });
}

describe('stream poller', () => {
  it('delivers matching records in order as Lambda-shaped batches, and nothing else', async () => {
    const table = await createTestTable();
    const delivered: DynamoDBRecord[] = [];
    const poller = await pollWith(table, async (event: DynamoDBStreamEvent) => {
      delivered.push(...event.Records);
    });

    await put(table, 'CONTACT#1', 'PROFILE');
    await put(table, 'CONTACT#1', 'EVENT#A');
    await put(table, 'CONTACT#1', 'EVENT#B');
    await until(() => delivered.length === 2);
    await poller.stop();

    expect(delivered.map((r) => r.dynamodb?.Keys?.SK?.S)).toEqual(['EVENT#A', 'EVENT#B']);
    expect(delivered[0]).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      eventSourceARN: expect.stringContaining(`table/${table.tableName}/stream/`),
      dynamodb: { StreamViewType: 'NEW_IMAGE', NewImage: { n: { N: '1' }, empty: { M: {} } } },
    });
    expect(typeof delivered[0]?.dynamodb?.ApproximateCreationDateTime).toBe('number');
  });

  it('retries from the first failed record of a partial batch response', async () => {
    const table = await createTestTable();
    for (const sk of ['EVENT#1', 'EVENT#2', 'EVENT#3']) await put(table, 'C', sk);
    const attempts: string[][] = [];
    const poller = await pollWith(table, async (event): Promise<DynamoDBBatchResponse> => {
      attempts.push(event.Records.map((r) => r.dynamodb!.Keys!.SK!.S!));
      const second = event.Records[1];
      return attempts.length === 1 && second
        ? { batchItemFailures: [{ itemIdentifier: second.dynamodb!.SequenceNumber! }] }
        : { batchItemFailures: [] };
    });

    await until(() => attempts.length === 2);
    await poller.stop();

    expect(attempts).toEqual([
      ['EVENT#1', 'EVENT#2', 'EVENT#3'],
      ['EVENT#2', 'EVENT#3'],
    ]);
  });

  it('writes a batch that keeps failing to the failure file and moves on', async () => {
    const table = await createTestTable();
    const failureFile = join(mkdtempSync(join(tmpdir(), 'poller-')), 'failures.jsonl');
    const handled: string[] = [];
    const poller = await pollWith(
      table,
      async (event) => {
        const keys = event.Records.map((r) => r.dynamodb!.Keys!.SK!.S!);
        handled.push(...keys);
        if (keys.includes('EVENT#poison')) throw new Error('always fails');
      },
      failureFile,
    );

    await put(table, 'C', 'EVENT#poison');
    await until(() => existsSync(failureFile));
    await put(table, 'C', 'EVENT#after');
    await until(() => handled.includes('EVENT#after'));
    await poller.stop();

    expect(handled.filter((sk) => sk === 'EVENT#poison')).toHaveLength(3);
    expect(JSON.parse(readFileSync(failureFile, 'utf8').trim())).toMatchObject({ records: 1 });
  });

  it('lets the batch in flight finish when stopped, then neither retries it nor records a failure', async () => {
    const table = await createTestTable();
    const failureFile = join(mkdtempSync(join(tmpdir(), 'poller-')), 'failures.jsonl');
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    let finished = false;
    const poller = await pollWith(
      table,
      async () => {
        calls++;
        entered();
        await released;
        finished = true;
        throw new Error('the store went away during shutdown');
      },
      failureFile,
    );
    await put(table, 'C', 'EVENT#in-flight');
    await inHandler;

    const stopped = poller.stop();
    setTimeout(release, 50);
    await stopped;
    await put(table, 'C', 'EVENT#after-stop');
    await sleep(200);

    expect(finished).toBe(true);
    expect(calls).toBe(1);
    expect(existsSync(failureFile)).toBe(false);
  });
});
