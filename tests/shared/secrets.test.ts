import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretFrom, secretString } from '../../functions/shared/secrets';

/**
 * Secrets Manager has no local emulator: a stand-in speaking its JSON protocol (GetSecretValue only), so the real
 * SDK client and Powertools Parameters run unchanged against it.
 */
let server: Server;
let client: SecretsManagerClient;
const values = new Map<string, string>();
let calls = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      calls++;
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (!values.has(SecretId)) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'not found' }));
        return;
      }
      res.end(JSON.stringify({ ARN: SecretId, Name: SecretId, SecretString: values.get(SecretId) }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  client = new SecretsManagerClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});
afterAll(async () => {
  client.destroy();
  await new Promise((done) => server.close(done));
});

describe('secrets read through Powertools Parameters', () => {
  it('sees a rotated secret once its TTL has passed, and the cached value before', async () => {
    // Prepare
    values.set('rotating', 'first-value');
    const read = secretString('rotating', { client, maxAgeSeconds: 1 });
    expect(await read()).toBe('first-value');

    // Act
    values.set('rotating', 'rotated-value');
    const beforeTtl = await read();
    await sleep(1_100);
    const afterTtl = await read();

    // Assess
    expect(beforeTtl).toBe('first-value');
    expect(afterTtl).toBe('rotated-value');
  });

  it('reads once for concurrent first calls, however many there are', async () => {
    values.set('shared', 'shared-value');
    const read = secretString('shared', { client });
    const before = calls;

    const read3 = await Promise.all([read(), read(), read()]);

    expect(read3).toEqual(['shared-value', 'shared-value', 'shared-value']);
    expect(calls - before).toBe(1);
  });

  it('does not cache a failed read: the next call reads again', async () => {
    const read = secretString('created-later', { client });
    await expect(read()).rejects.toThrow(/not found/);

    values.set('created-later', 'now-there');

    expect(await read()).toBe('now-there');
  });

  it('hands the local value over, parsed, when the binding passes no secret ARN', async () => {
    const source = secretFrom(undefined, () => '{"signingKey":"local"}', (value) => JSON.parse(value) as { signingKey: string });

    expect(await source()).toEqual({ signingKey: 'local' });
  });
});
