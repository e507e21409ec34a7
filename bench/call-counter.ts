import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** DynamoDB requests seen by one client during a window, split by who made them. */
export interface CallCounts {
  /** Form posts the gateway answered with a 2xx. */
  readonly posts: number;
  /** Requests made while serving those posts, by operation (GetItem, TransactWriteItems, …). */
  readonly postCalls: Readonly<Record<string, number>>;
  /** Requests made outside any HTTP request: the stream reactor, which shares the client in the local runtime. */
  readonly backgroundCalls: number;
  /** Requests made while serving anything else (non-2xx answers, other routes). */
  readonly otherCalls: number;
}

export interface CallCounter {
  counts(): CallCounts;
  reset(): void;
  /** Holds background calls (the reactor) before they are sent, until {@link resumeBackground}. */
  pauseBackground(): void;
  resumeBackground(): void;
}

interface RequestCalls {
  readonly byOperation: Map<string, number>;
}

/**
 * Counts every request `client` sends to DynamoDB (each attempt, so SDK retries count too) and attributes it to
 * the gateway request being served, if any. Attribution rides on AsyncLocalStorage entered from Node's
 * `http.server.request.start` diagnostics channel, so no product code has to know it is being measured.
 */
export function countCalls(client: DynamoDBClient): CallCounter {
  const current = new AsyncLocalStorage<RequestCalls>();
  const byRequest = new WeakMap<IncomingMessage, RequestCalls>();
  let posts = 0;
  let postCalls: Record<string, number> = {};
  let backgroundCalls = 0;
  let otherCalls = 0;
  let paused: { readonly until: Promise<void>; readonly resume: () => void } | undefined;

  diagnostics.subscribe('http.server.request.start', (message) => {
    if (!isServerMessage(message)) return;
    const calls: RequestCalls = { byOperation: new Map() };
    byRequest.set(message.request, calls);
    current.enterWith(calls);
  });
  diagnostics.subscribe('http.server.response.finish', (message) => {
    if (!isServerMessage(message)) return;
    const calls = byRequest.get(message.request);
    if (!calls) return;
    const status = message.response.statusCode;
    if (message.request.method === 'POST' && status >= 200 && status < 300) {
      posts++;
      for (const [operation, n] of calls.byOperation) postCalls[operation] = (postCalls[operation] ?? 0) + n;
    } else {
      for (const n of calls.byOperation.values()) otherCalls += n;
    }
  });

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const calls = current.getStore();
      const operation = operationOf(context.commandName);
      if (calls) calls.byOperation.set(operation, (calls.byOperation.get(operation) ?? 0) + 1);
      else {
        backgroundCalls++;
        await paused?.until;
      }
      return next(args);
    },
    // Inside the retry middleware, so each attempt sent over the wire counts.
    { step: 'finalizeRequest', priority: 'low', name: 'benchCallCounter' },
  );

  return {
    counts: () => ({ posts, postCalls: { ...postCalls }, backgroundCalls, otherCalls }),
    reset: () => {
      posts = 0;
      postCalls = {};
      backgroundCalls = 0;
      otherCalls = 0;
    },
    pauseBackground: () => {
      if (paused) return;
      let resume = () => {};
      const until = new Promise<void>((done) => (resume = done));
      paused = { until, resume };
    },
    resumeBackground: () => {
      paused?.resume();
      paused = undefined;
    },
  };
}

/** `GetItemCommand` → `GetItem`; document-client commands report the low-level command's name. */
function operationOf(commandName: string | undefined): string {
  return (commandName ?? 'Unknown').replace(/Command$/, '');
}

function isServerMessage(message: unknown): message is { request: IncomingMessage; response: ServerResponse } {
  if (typeof message !== 'object' || message === null) return false;
  return (
    'request' in message &&
    message.request instanceof IncomingMessage &&
    'response' in message &&
    message.response instanceof ServerResponse
  );
}
