import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeHandOffWorker } from '../../functions/crm/hand-off-worker';
import { redeliveryDelaySeconds } from '../../functions/crm/domain/backoff';
import { SqsHandOffQueue, SqsMessageVisibility } from '../../functions/crm/sqs-hand-off-queue';
import { keys } from '../../functions/shared/keys';
import { startCrmQueue } from '../../local/crm-queue';
import type { CrmReceiver } from '../../local/crm-receiver';
import { createTestTable, type TestTable } from '../support/table';
import { handOffDepsFor, injectFault, localSqs, newContact, sqsDelivery, startCrmReceiver } from './support';

let table: TestTable;
let receiver: CrmReceiver;

beforeAll(async () => {
  table = await createTestTable();
  receiver = await startCrmReceiver();
});
afterAll(async () => receiver.close());
beforeEach(async () => {
  await fetch(`${receiver.url}/dev/crm`, { method: 'DELETE' });
});

function workerFor(maxReceives = 3) {
  const deps = handOffDepsFor(table, receiver, { retry: { attempts: 1 } });
  return { worker: makeHandOffWorker({ ...deps, crm: async () => deps.crm, maxReceives }), logger: deps.logger };
}

const failuresOf = async (contactId: string) =>
  (await table.partition(keys.profile(contactId).PK)).filter((item) => item.type === 'crm.handoff_failed');

describe('the hand-off worker', () => {
  it('hands off a queued MQL and reports no failure', async () => {
    const contactId = await newContact(table, 'w1@acme.example');
    const { worker } = workerFor();
    const result = await worker(sqsDelivery({ contactId, idempotencyKey: 'stage-01JW1', reason: 'score', source: 'reactor' }, 1));
    expect(result.batchItemFailures).toEqual([]);
    expect(receiver.inbox().handOffs).toHaveLength(1);
  });

  it('reports a transient failure for redelivery without recording it on the contact yet', async () => {
    const contactId = await newContact(table, 'w2@acme.example');
    await injectFault(receiver, { status: 503, times: 1 });
    const result = await workerFor().worker(sqsDelivery({ contactId, idempotencyKey: 'stage-01JW2', source: 'reactor' }, 1));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(await failuresOf(contactId)).toEqual([]);
  });

  it('records crm.handoff_failed on the last delivery, before the message goes to the dead-letter queue', async () => {
    const contactId = await newContact(table, 'w3@acme.example');
    await injectFault(receiver, { status: 500, times: 1 });
    const result = await workerFor(3).worker(sqsDelivery({ contactId, idempotencyKey: 'stage-01JW3', source: 'reactor' }, 3));
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect((await failuresOf(contactId)).map((e) => e.data)).toEqual([
      { provider: 'hubspot', error: 'CrmUnavailable 500: POST /crm/v3/objects/contacts/batch/upsert answered 500', attempts: 3, source: 'reactor', idempotencyKey: 'stage-01JW3' },
    ]);
  });

  it('records a refusal at once and never calls the CRM again for that hand-off', async () => {
    const contactId = await newContact(table, 'w4@acme.example');
    await injectFault(receiver, { status: 400, times: 1 });
    const { worker } = workerFor(5);
    await worker(sqsDelivery({ contactId, idempotencyKey: 'stage-01JW4', source: 'reactor' }, 1));
    const again = await worker(sqsDelivery({ contactId, idempotencyKey: 'stage-01JW4', source: 'reactor' }, 2));

    expect(again.batchItemFailures).toHaveLength(1);
    expect(await failuresOf(contactId)).toHaveLength(1);
    expect(receiver.inbox().handOffs).toEqual([]);
  });

  it('records crm.handoff_skipped on the contact when no CRM is configured, instead of dropping the hand-off silently', async () => {
    const contactId = await newContact(table, 'w5@acme.example');
    const deps = handOffDepsFor(table, receiver);
    const worker = makeHandOffWorker({ ...deps, crm: async () => undefined, maxReceives: 3 });

    expect((await worker(sqsDelivery({ contactId, idempotencyKey: 'stage-01JW5', source: 'reactor' }, 1))).batchItemFailures).toEqual([]);
    expect((await table.partition(keys.profile(contactId).PK)).filter((item) => item.type === 'crm.handoff_skipped').map((e) => e.data)).toEqual([
      { reason: 'no CRM configured', source: 'reactor', idempotencyKey: 'stage-01JW5' },
    ]);
  });

  it('leaves a message that is not a hand-off request for the dead-letter queue', async () => {
    const { worker, logger } = workerFor();
    expect((await worker(sqsDelivery({ nope: true }, 1))).batchItemFailures).toHaveLength(1);
    expect(logger.lines.some((l) => l.level === 'error')).toBe(true);
  });
});

describe('the local hand-off queue (SQS-compatible)', () => {
  it('takes the reactor\'s SendMessage through the real SQS client and delivers it to the worker', async () => {
    const contactId = await newContact(table, 'q1@acme.example');
    const { worker } = workerFor();
    const queue = await startCrmQueue({ worker, region: 'us-east-1', account: '000000000000', retryDelayMs: 10 });
    try {
      const sqs = new SQSClient({ endpoint: queue.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
      await new SqsHandOffQueue(sqs, queue.queueUrl).enqueue({ type: 'HandOff', contactId, idempotencyKey: 'stage-01JQ1', reason: 'score', source: 'reactor' });
      await queue.idle();
      expect(receiver.inbox().handOffs.map((h) => h.email)).toEqual(['q1@acme.example']);
    } finally {
      await queue.close();
    }
  });

  it('redelivers after failures and parks the hand-off in the dead-letter queue after the last one, visible on the contact', async () => {
    const contactId = await newContact(table, 'q2@acme.example');
    await injectFault(receiver, { status: 503, times: 10 });
    const { worker } = workerFor(3);
    const parked: unknown[] = [];
    const queue = await startCrmQueue({ worker, region: 'us-east-1', account: '000000000000', retryDelayMs: 10, maxReceives: 3, onDeadLetter: (e) => parked.push(e) });
    try {
      const sqs = new SQSClient({ endpoint: queue.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
      await new SqsHandOffQueue(sqs, queue.queueUrl).enqueue({ type: 'HandOff', contactId, idempotencyKey: 'stage-01JQ2', reason: 'score', source: 'reactor' });
      await queue.idle();
      expect(parked).toEqual([expect.objectContaining({ receives: 3, body: expect.objectContaining({ contactId, idempotencyKey: 'stage-01JQ2' }) })]);
      expect(await failuresOf(contactId)).toHaveLength(1);
    } finally {
      await queue.close();
    }
  });
});

describe('the hand-off queue\'s backoff', () => {
  it('waits the longer of the CRM\'s Retry-After and an exponential backoff by receive count, at most 15 minutes', () => {
    expect([1, 2, 3, 4, 5].map((receives) => redeliveryDelaySeconds(receives, undefined))).toEqual([30, 60, 120, 240, 480]);
    expect(redeliveryDelaySeconds(1, 600_000)).toBe(600);
    expect(redeliveryDelaySeconds(4, 1_500)).toBe(240);
    expect(redeliveryDelaySeconds(1, 3_600_000)).toBe(900);
    expect(redeliveryDelaySeconds(8, undefined)).toBe(900);
  });

  it('redelivers a hand-off the CRM answered 429 with Retry-After only after that wait (ChangeMessageVisibility), not the queue\'s own delay', { timeout: 20_000 }, async () => {
    const contactId = await newContact(table, 'q3@acme.example');
    await injectFault(receiver, { status: 429, times: 1, retryAfter: '2' });
    const deliveries: number[] = [];
    const late: { worker?: ReturnType<typeof makeHandOffWorker> } = {};
    const queue = await startCrmQueue({
      worker: async (event) => {
        deliveries.push(Date.now());
        return late.worker!(event);
      },
      region: 'us-east-1',
      account: '000000000000',
      retryDelayMs: 10,
      maxReceives: 3,
    });
    try {
      const sqs = localSqs(queue.endpoint);
      const deps = handOffDepsFor(table, receiver, { retry: { attempts: 1 } });
      late.worker = makeHandOffWorker({
        ...deps,
        crm: async () => deps.crm,
        maxReceives: 3,
        visibility: new SqsMessageVisibility(sqs, queue.queueUrl),
        backoff: { baseSeconds: 1, maxSeconds: 900 },
      });
      await new SqsHandOffQueue(sqs, queue.queueUrl).enqueue({ type: 'HandOff', contactId, idempotencyKey: 'stage-01JQ3', reason: 'score', source: 'reactor' });
      await queue.idle();

      expect(deliveries).toHaveLength(2);
      expect(deliveries[1]! - deliveries[0]!).toBeGreaterThanOrEqual(2_000);
      expect(receiver.inbox().handOffs.map((h) => h.email)).toEqual(['q3@acme.example']);
      expect(deps.logger.lines).toContainEqual(expect.objectContaining({ message: 'hand-off failed', fields: expect.objectContaining({ retryAfterMs: 2_000, redeliveryInSeconds: 2 }) }));
    } finally {
      await queue.close();
    }
  });
});
