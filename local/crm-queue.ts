import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';

/**
 * The local stand-in for the CRM hand-off queue: an SQS-compatible endpoint for `SendMessage` and
 * `ChangeMessageVisibility` (AWS JSON 1.0, as `@aws-sdk/client-sqs` speaks it), which delivers each message to the
 * worker handler as an SQS event, redelivers what it reports as failed (after the visibility the worker set on it,
 * or else a delay growing with each receive, like a visibility timeout) and, after `maxReceives`, parks it in the
 * dead-letter queue (`onDeadLetter`, and a JSON-lines file).
 */
export interface CrmQueueOptions {
  readonly worker: (event: SQSEvent) => Promise<SQSBatchResponse | void>;
  /** @default 3 */
  readonly maxReceives?: number;
  /** Delay before the n-th redelivery when the worker set no visibility on the message: n × this. @default 500 */
  readonly retryDelayMs?: number;
  readonly deadLetterFile?: string;
  readonly onDeadLetter?: (entry: DeadLetter) => void;
  readonly region: string;
  readonly account: string;
}

export interface DeadLetter {
  readonly at: string;
  readonly messageId: string;
  readonly receives: number;
  readonly body: unknown;
}

export interface CrmQueue {
  /** The queue URL the reactor sends to (also the endpoint: `AWS_ENDPOINT_URL_SQS`). */
  readonly queueUrl: string;
  readonly endpoint: string;
  /** Resolves when no message is waiting or being delivered. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startCrmQueue(options: CrmQueueOptions): Promise<CrmQueue> {
  const maxReceives = options.maxReceives ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  /** Visibility the worker set (ChangeMessageVisibility) on a message it is processing, by message id, in ms. */
  const visibility = new Map<string, number>();
  let closed = false;

  const deliver = (messageId: string, body: string, receives: number) => {
    const delivery = (async () => {
      const event: SQSEvent = {
        Records: [
          {
            messageId,
            receiptHandle: `${messageId}:${receives}`,
            body,
            attributes: {
              ApproximateReceiveCount: String(receives),
              SentTimestamp: String(Date.now()),
              SenderId: options.account,
              ApproximateFirstReceiveTimestamp: String(Date.now()),
            },
            messageAttributes: {},
            md5OfBody: md5(body),
            eventSource: 'aws:sqs',
            eventSourceARN: `arn:aws:sqs:${options.region}:${options.account}:crm-handoffs`,
            awsRegion: options.region,
          },
        ],
      };
      let failed: boolean;
      try {
        const result = await options.worker(event);
        failed = (result?.batchItemFailures ?? []).some((f) => f.itemIdentifier === messageId);
      } catch {
        failed = true;
      }
      const visibleInMs = visibility.get(messageId);
      visibility.delete(messageId);
      if (!failed || closed) return;
      if (receives >= maxReceives) {
        const entry: DeadLetter = { at: new Date().toISOString(), messageId, receives, body: safeJson(body) };
        options.onDeadLetter?.(entry);
        if (options.deadLetterFile) {
          mkdirSync(dirname(options.deadLetterFile), { recursive: true });
          appendFileSync(options.deadLetterFile, `${JSON.stringify(entry)}\n`);
        }
        return;
      }
      schedule(messageId, body, receives + 1, visibleInMs ?? retryDelayMs * receives);
    })();
    inFlight.add(delivery);
    void delivery.finally(() => inFlight.delete(delivery));
  };

  const schedule = (messageId: string, body: string, receives: number, delayMs: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) deliver(messageId, body, receives);
    }, delayMs);
    timers.add(timer);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(Buffer.byteLength(text)) });
        res.end(text);
      };
      const target = req.headers['x-amz-target'];
      if (target === 'AmazonSQS.ChangeMessageVisibility') {
        const input = safeJson(Buffer.concat(chunks).toString('utf8')) as { ReceiptHandle?: unknown; VisibilityTimeout?: unknown } | undefined;
        const [messageId] = typeof input?.ReceiptHandle === 'string' ? input.ReceiptHandle.split(':') : [];
        const seconds = input?.VisibilityTimeout;
        if (!messageId || typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0 || seconds > 43_200) {
          return reply(400, { __type: 'com.amazonaws.sqs#InvalidParameterValue', message: 'ReceiptHandle and VisibilityTimeout (0 to 43200 seconds) are required' });
        }
        visibility.set(messageId, seconds * 1_000);
        return reply(200, {});
      }
      if (target !== 'AmazonSQS.SendMessage') {
        return reply(400, { __type: 'com.amazonaws.sqs#InvalidAction', message: 'only SendMessage and ChangeMessageVisibility are supported locally' });
      }
      const input = safeJson(Buffer.concat(chunks).toString('utf8')) as { MessageBody?: unknown; DelaySeconds?: unknown } | undefined;
      if (typeof input?.MessageBody !== 'string') return reply(400, { __type: 'com.amazonaws.sqs#MissingParameter', message: 'MessageBody' });
      const messageId = randomUUID();
      schedule(messageId, input.MessageBody, 1, typeof input.DelaySeconds === 'number' ? input.DelaySeconds * 1_000 : 0);
      reply(200, { MessageId: messageId, MD5OfMessageBody: md5(input.MessageBody) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  return {
    endpoint,
    queueUrl: `${endpoint}/${options.account}/crm-handoffs`,
    async idle() {
      while (timers.size > 0 || inFlight.size > 0) await new Promise((r) => setTimeout(r, 50));
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...inFlight]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
