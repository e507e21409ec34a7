import { createServer } from 'node:net';

/** A port nothing listens on right now (the OS picks it), for running several stacks side by side. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A free port held (listened on) until `release()`, for a server that starts later: between `freePort()` and a late
 * `listen`, the port is anyone's, and a busy machine's outgoing connections take such ports as their own. Release it
 * just before listening on it.
 */
export async function reservePort(): Promise<{ readonly port: number; release(): Promise<void> }> {
  const server = createServer();
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  // Closing twice (released, then stopped with the runtime) answers the second call with an error: both resolve.
  return { port: address.port, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
