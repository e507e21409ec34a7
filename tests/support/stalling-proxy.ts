import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * What the proxy does with a DynamoDB operation: pass it through; `apply` it but never answer (the write happens,
 * its answer is lost); or `drop` it (it never reaches DynamoDB, and is never answered).
 */
export type StallMode = 'pass' | 'apply' | 'drop';

export interface StallingProxy {
  /** The endpoint to give the SDK (or the local runtime) instead of DynamoDB Local's. */
  readonly endpoint: string;
  /** Stalls every request of `operation` (`TransactWriteItems`, `BatchGetItem`…) from now on, as `mode` says. */
  stall(operation: string, mode: Exclude<StallMode, 'pass'>): void;
  /** Back to passing everything through; requests held so far are cut. */
  heal(): void;
  close(): Promise<void>;
}

/**
 * A fault injector in front of DynamoDB Local: a stalled table, as seen by a client, without touching DynamoDB Local.
 * Only for tests: the happy path goes straight through to the real DynamoDB Local.
 */
export async function startStallingProxy(target: string): Promise<StallingProxy> {
  const upstream = new URL(target);
  const stalls = new Map<string, Exclude<StallMode, 'pass'>>();
  const held = new Set<ServerResponse>();
  const hold = (res: ServerResponse) => {
    held.add(res);
    res.on('close', () => held.delete(res));
  };

  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const out = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }));
          answer.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const mode = stalls.get(operation) ?? 'pass';
      if (mode === 'drop') return hold(res);
      forward(req, Buffer.concat(chunks)).then(
        (answer) => {
          if (mode === 'apply') return hold(res);
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body);
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const cut = () => {
    for (const res of held) res.destroy();
    held.clear();
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stall: (operation, mode) => void stalls.set(operation, mode),
    heal: () => {
      stalls.clear();
      cut();
    },
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
