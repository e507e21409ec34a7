import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { reactionsTo } from '../../functions/reactor/domain/reactions';
import { DynamoReactions, type Reactions } from '../../functions/reactor/dynamo-reactions';
import { makeReactor } from '../../functions/reactor/reactor';
import { matchesFilter, timelineInsertFilter } from '../../functions/reactor/stream-filter';
import { keys } from '../../functions/shared/keys';
import { memoryLogger } from '../support/http';
import { createTestTable, type TestTable } from '../support/table';
import { readStream } from '../support/stream';

let table: TestTable;
let contacts: DynamoContacts;
const clock = { now: () => new Date('2026-11-23T12:00:00.000Z') };

beforeAll(async () => {
  table = await createTestTable();
  contacts = new DynamoContacts(table.documentClient, table.tableName);
});

async function submittedEventRecords(count: number): Promise<DynamoDBRecord[]> {
  for (let i = 0; i < count; i++) {
    await contacts.recordSubmission(
      `r-${Math.random()}@example.com`,
      { formId: 'demo-request', fields: { first_name: 'R' }, utm: {} },
      new Date(`2026-11-2${i % 2}T08:00:00.000Z`),
    );
  }
  return (await readStream(table)).filter((record) => matchesFilter(record));
}

const metric = async (day: string) =>
  (await table.documentClient.send(
    new GetCommand({ TableName: table.tableName, Key: keys.dailyMetric(day, 'events.form.submitted') }),
  )).Item?.count as number | undefined;

describe('reactor', () => {
  it('marks each new timeline event processed and counts it once towards its day', async () => {
    const records = await submittedEventRecords(3);
    const log = memoryLogger();
    const react = makeReactor({ reactions: new DynamoReactions(table.documentClient, table.tableName), clock, logger: log });

    const response = await react({ Records: records });
    const redelivered = await react({ Records: records });

    expect(response).toEqual({ batchItemFailures: [] });
    expect(redelivered).toEqual({ batchItemFailures: [] });
    expect([await metric('2026-11-20'), await metric('2026-11-21')]).toEqual([2, 1]);
    for (const record of records) {
      const { contactId, eventId } = unmarshall(record.dynamodb!.NewImage as never);
      const { Item } = await table.documentClient.send(
        new GetCommand({ TableName: table.tableName, Key: keys.event(contactId, eventId) }),
      );
      expect(Item?.processedAt).toBe('2026-11-23T12:00:00.000Z');
    }
  });

  it('reports the first failing record so the batch is retried from there, keeping earlier work', async () => {
    const records = await submittedEventRecords(3);
    const real = new DynamoReactions(table.documentClient, table.tableName);
    let calls = 0;
    const flaky: Reactions = {
      apply: async (event, reactions, at) => {
        calls++;
        if (calls === 2) throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
        return real.apply(event, reactions, at);
      },
    };
    const react = makeReactor({ reactions: flaky, clock, logger: memoryLogger() });

    const response = await react({ Records: records });

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }]);
    expect(calls).toBe(2);
  });

  it('skips records that are not timeline events instead of failing the batch forever', async () => {
    const react = makeReactor({
      reactions: new DynamoReactions(table.documentClient, table.tableName),
      clock,
      logger: memoryLogger(),
    });
    const stranger: DynamoDBRecord = {
      eventName: 'INSERT',
      dynamodb: { SequenceNumber: '1', NewImage: { PK: { S: 'X' }, SK: { S: 'EVENT#junk' } } },
    };

    expect(await react({ Records: [stranger] })).toEqual({ batchItemFailures: [] });
  });
});

describe('stream filter', () => {
  it('lets inserted timeline events through and keeps profiles, claims and modifications out', async () => {
    await submittedEventRecords(1);
    const records = await readStream(table);

    const passed = records.filter((record) => matchesFilter(record, timelineInsertFilter));

    expect(passed.length).toBeGreaterThan(0);
    expect(passed.every((r) => r.eventName === 'INSERT' && r.dynamodb?.Keys?.SK?.S?.startsWith('EVENT#'))).toBe(true);
    expect(records.some((r) => r.dynamodb?.Keys?.SK?.S === 'PROFILE' && matchesFilter(r))).toBe(false);
    expect(records.some((r) => r.eventName === 'MODIFY' && matchesFilter(r))).toBe(false);
  });
});

describe('reaction rules', () => {
  it('counts an event under the UTC day it occurred', () => {
    expect(
      reactionsTo({ contactId: 'c', eventId: 'e', type: 'form.submitted', occurredAt: '2026-11-23T23:59:59.999Z' }),
    ).toEqual([{ type: 'CountMetric', day: '2026-11-23', metric: 'events.form.submitted' }]);
  });
});
