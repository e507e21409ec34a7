import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { ForbiddenDestination, guardedLookup, MAX_ANSWER_BYTES, OutboundFailed, send, type ResolvedAddress, type Resolver } from '../../functions/shared/outbound-http';

/** A DNS server the test controls: each lookup takes the next answer (the last one repeats), and is counted. */
function dns(...answers: (readonly string[])[]): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
    const answer = answers[Math.min(calls.length, answers.length - 1)]!;
    calls.push(hostname);
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

/** `guardedLookup` called the way `net.connect` calls it, as a promise. */
function lookupOnce(lookup: ReturnType<typeof guardedLookup>, hostname: string, options: { all?: boolean; family?: number } = {}) {
  return new Promise<{ address: unknown; family?: number }>((resolve, reject) =>
    lookup(hostname, options, (error, address, family) => (error ? reject(error) : resolve({ address, family }))),
  );
}

describe('guarded lookup', () => {
  it('refuses a rebinding host: the public answer goes to the socket, the later 127.0.0.1 answer is refused', async () => {
    // Prepare
    const rebinding = dns(['93.184.215.14'], ['127.0.0.1']);
    const lookup = guardedLookup({ allowLoopback: false, resolve: rebinding });

    // Act
    const first = await lookupOnce(lookup, 'crm.example');
    const second = lookupOnce(lookup, 'crm.example');

    // Assess
    expect(first).toEqual({ address: '93.184.215.14', family: 4 });
    await expect(second).rejects.toBeInstanceOf(ForbiddenDestination);
    expect(rebinding.calls).toEqual(['crm.example', 'crm.example']);
  });

  it('refuses a host when any of its addresses is private, even with public ones beside it', async () => {
    const lookup = guardedLookup({ allowLoopback: false, resolve: dns(['93.184.215.14', '169.254.169.254']) });
    await expect(lookupOnce(lookup, 'crm.example', { all: true })).rejects.toThrow('crm.example resolves to a private address');
  });

  it('refuses a host resolving to an IPv6 form that carries a private IPv4 address (mapped, NAT64, 6to4)', async () => {
    for (const address of ['::ffff:a9fe:a9fe', '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::1', '::169.254.169.254']) {
      await expect(lookupOnce(guardedLookup({ allowLoopback: true, resolve: dns([address]) }), 'crm.example')).rejects.toBeInstanceOf(ForbiddenDestination);
    }
  });

  it('allows loopback only when loopback is allowed, and never other private addresses', async () => {
    await expect(lookupOnce(guardedLookup({ allowLoopback: false, resolve: dns(['127.0.0.1']) }), 'localhost')).rejects.toBeInstanceOf(ForbiddenDestination);
    await expect(lookupOnce(guardedLookup({ allowLoopback: false, resolve: dns(['::1']) }), 'localhost')).rejects.toBeInstanceOf(ForbiddenDestination);
    expect(await lookupOnce(guardedLookup({ allowLoopback: true, resolve: dns(['127.0.0.1']) }), 'localhost')).toEqual({ address: '127.0.0.1', family: 4 });
    await expect(lookupOnce(guardedLookup({ allowLoopback: true, resolve: dns(['10.0.0.8']) }), 'crm.example')).rejects.toBeInstanceOf(ForbiddenDestination);
    await expect(lookupOnce(guardedLookup({ allowLoopback: true, resolve: dns(['169.254.169.254']) }), 'crm.example')).rejects.toBeInstanceOf(ForbiddenDestination);
  });

  it('hands every checked address to a socket that asks for all, and only those of the family asked for', async () => {
    const lookup = guardedLookup({ allowLoopback: false, resolve: dns(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']) });
    expect((await lookupOnce(lookup, 'crm.example', { all: true })).address).toEqual([
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    ]);
    expect(await lookupOnce(lookup, 'crm.example', { family: 6 })).toEqual({ address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 });
  });

  it('answers cannot resolve when the name does not resolve', async () => {
    const failing: Resolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    await expect(lookupOnce(guardedLookup({ allowLoopback: false, resolve: failing }), 'nowhere.example')).rejects.toMatchObject({ name: 'OutboundFailed', reason: 'cannot resolve' });
  });
});

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A real HTTP server on 127.0.0.1 that counts the connections it accepts and the requests it reads. */
async function localServer(handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(200).end('{"ok":true}')) {
  const seen = { connections: 0, requests: [] as { method: string; url: string; host: string | undefined; body: string }[] };
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.requests.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host, body: Buffer.concat(chunks).toString('utf8') });
      handle(req, res);
    });
  });
  server.on('connection', () => seen.connections++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, seen };
}

describe('send through the guard, against a real local server', () => {
  it('refuses a host that resolves to 127.0.0.1 when loopback is not allowed, without opening a connection', async () => {
    // Prepare
    const { port, seen } = await localServer();
    const toLoopback = dns(['127.0.0.1']);

    // Act
    const call = send(`https://crm.example:${port}/hook`, { method: 'POST', headers: {}, body: '{}' }, { allowLoopback: false, resolve: toLoopback });

    // Assess
    await expect(call).rejects.toThrow(new ForbiddenDestination('crm.example resolves to a private address'));
    expect(toLoopback.calls).toEqual(['crm.example']);
    expect(seen.connections).toBe(0);
  });

  it('reaches the same server through a name resolving to 127.0.0.1 when loopback is allowed', async () => {
    // Prepare
    const { port, seen } = await localServer();
    const toLoopback = dns(['127.0.0.1']);

    // Act
    const answer = await send(`http://localhost:${port}/hook?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' }, { allowLoopback: true, resolve: toLoopback });

    // Assess
    expect(answer).toMatchObject({ status: 200, text: '{"ok":true}' });
    expect(toLoopback.calls).toEqual(['localhost']);
    expect(seen.requests).toEqual([{ method: 'POST', url: '/hook?x=1', host: `localhost:${port}`, body: '{"a":1}' }]);
  });

  it('answers a redirect as it is, without following it', async () => {
    const { port, seen } = await localServer((_req, res) => res.writeHead(302, { location: '/elsewhere' }).end());
    const answer = await send(`http://127.0.0.1:${port}/hook`, { method: 'GET', headers: {} }, { allowLoopback: true });
    expect(answer.status).toBe(302);
    expect(seen.requests.map((r) => r.url)).toEqual(['/hook']);
  });

  it('times out when the server never answers', async () => {
    await localServer(() => undefined);
    await expect(send(`http://127.0.0.1:${(server!.address() as AddressInfo).port}/slow`, { method: 'GET', headers: {} }, { allowLoopback: true, timeoutMs: 200 })).rejects.toMatchObject({
      name: 'OutboundFailed',
      reason: 'timed out',
    });
  });

  it('fails as a network error when the server drops the connection', async () => {
    const { port } = await localServer((req) => req.socket.destroy());
    await expect(send(`http://127.0.0.1:${port}/drop`, { method: 'GET', headers: {} }, { allowLoopback: true })).rejects.toEqual(new OutboundFailed('network error'));
  });

  it('fails as a network error when the connection breaks halfway through the answer, and times out when it stalls there', async () => {
    const { port } = await localServer((req, res) => {
      // Head and the first bytes reach the client; then /break drops the connection and /stall sends nothing more.
      res.writeHead(200, { 'content-length': '100' }).write('{"partial":', () => req.url === '/break' && req.socket.destroy());
    });
    await expect(send(`http://127.0.0.1:${port}/break`, { method: 'GET', headers: {} }, { allowLoopback: true })).rejects.toEqual(new OutboundFailed('network error'));
    await expect(send(`http://127.0.0.1:${port}/stall`, { method: 'GET', headers: {} }, { allowLoopback: true, timeoutMs: 200 })).rejects.toEqual(new OutboundFailed('timed out'));
  });

  it('fails an answer that streams past 1 MiB as too large and closes the connection, rather than reading on', async () => {
    // Prepare: a server that writes 64 KiB chunks, with no length announced, until its connection closes.
    let connectionClosed!: (sent: number) => void;
    const closed = new Promise<number>((resolve) => (connectionClosed = resolve));
    const { port } = await localServer((_req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        let more = true;
        while (more && !res.destroyed) {
          more = res.write(chunk);
          sent += chunk.length;
        }
      };
      res.on('drain', pump);
      res.on('close', () => connectionClosed(sent));
      res.writeHead(200, { 'content-type': 'application/json' });
      pump();
    });

    // Act
    const call = send(`http://127.0.0.1:${port}/huge`, { method: 'GET', headers: {} }, { allowLoopback: true, timeoutMs: 30_000 });

    // Assess: the call fails, and the server's endless answer ends because the client closed the connection.
    await expect(call).rejects.toEqual(new OutboundFailed('answer too large'));
    expect(await closed).toBeGreaterThan(MAX_ANSWER_BYTES / 2);
  });

  it('fails an answer that announces more than 1 MiB at once, without waiting for the body', async () => {
    const { port } = await localServer((_req, res) => res.writeHead(200, { 'content-length': String(MAX_ANSWER_BYTES + 1) }).write('{'));
    await expect(send(`http://127.0.0.1:${port}/announced`, { method: 'GET', headers: {} }, { allowLoopback: true, timeoutMs: 30_000 })).rejects.toEqual(new OutboundFailed('answer too large'));
  });

  it('reads an answer of exactly 1 MiB whole', async () => {
    const body = 'b'.repeat(MAX_ANSWER_BYTES);
    const { port } = await localServer((_req, res) => res.writeHead(200).end(body));
    const answer = await send(`http://127.0.0.1:${port}/full`, { method: 'GET', headers: {} }, { allowLoopback: true, timeoutMs: 30_000 });
    expect(answer.text.length).toBe(MAX_ANSWER_BYTES);
  });

  it('refuses plain http to a public host name, whatever the DNS says', async () => {
    const resolver = dns(['127.0.0.1']);
    await expect(send('http://crm.example/hook', { method: 'GET', headers: {} }, { allowLoopback: true, resolve: resolver })).rejects.toBeInstanceOf(ForbiddenDestination);
    expect(resolver.calls).toEqual([]);
  });
});

describe('TLS through the guard', () => {
  it('names the host, not the address, in the handshake (SNI) and refuses a certificate no CA vouches for', async () => {
    // Prepare: a server for crm.example with a self-signed certificate (tests/fixtures/tls, a test-only key).
    const pem = readFileSync(new URL('../fixtures/tls/crm.example.pem', import.meta.url), 'utf8');
    const context = createSecureContext({ key: pem, cert: pem });
    const serverNames: string[] = [];
    let requests = 0;
    const tls = createTlsServer(
      {
        key: pem,
        cert: pem,
        SNICallback: (name, done) => {
          serverNames.push(name);
          done(null, context);
        },
      },
      (_req, res) => {
        requests++;
        res.writeHead(200).end();
      },
    );
    server = tls;
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));

    // Act
    const call = send(`https://crm.example:${(tls.address() as AddressInfo).port}/hook`, { method: 'GET', headers: {} }, { allowLoopback: true, resolve: dns(['127.0.0.1']) });

    // Assess
    await expect(call).rejects.toEqual(new OutboundFailed('network error'));
    expect(serverNames).toEqual(['crm.example']);
    expect(requests).toBe(0);
  });
});
