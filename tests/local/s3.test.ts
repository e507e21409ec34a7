import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCredentials, localRegion } from '../../local/dynamodb-local';
import { awsChunkedPayload, startLocalS3, type LocalS3, type S3EventBridgeEvent } from '../../local/s3';

const BUCKET = 'local-s3-test';
const events: S3EventBridgeEvent[] = [];
let s3: LocalS3;
let client: S3Client;

beforeAll(async () => {
  s3 = await startLocalS3({
    port: 0,
    bucket: BUCKET,
    dataDir: null,
    credentials: localCredentials,
    region: localRegion,
    account: '000000000000',
    deliver: async (event) => events.push(event),
  });
  client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: localRegion, credentials: localCredentials });
});

afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

async function* pieces(...parts: string[]) {
  for (const part of parts) yield Buffer.from(part);
}

async function collect(source: AsyncIterable<Buffer>): Promise<string> {
  const out: Buffer[] = [];
  for await (const chunk of source) out.push(chunk);
  return Buffer.concat(out).toString();
}

describe('the local S3', () => {
  it('publishes an object put in its bucket as the Object Created event S3 sends EventBridge', async () => {
    // Act
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'imports/list.csv', Body: 'email\n' }));
    await s3.idle();

    // Assess
    expect(events.at(-1)).toMatchObject({
      version: '0',
      source: 'aws.s3',
      'detail-type': 'Object Created',
      account: '000000000000',
      region: localRegion,
      resources: [`arn:aws:s3:::${BUCKET}`],
      detail: { bucket: { name: BUCKET }, object: { key: 'imports/list.csv', size: 6 }, reason: 'PutObject' },
    });
  });

  it('stores a streamed upload (aws-chunked, with a trailing checksum) as its bytes, without the chunk framing', async () => {
    // Act: a body of unknown length makes the SDK send aws-chunked with a CRC32 trailer.
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'imports/streamed.csv', Body: Readable.from([Buffer.from('email\n'), Buffer.from('ada@example.com\n')]), ContentLength: 22 }),
    );

    // Assess
    const stored = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'imports/streamed.csv' }));
    expect(await stored.Body!.transformToString()).toBe('email\nada@example.com\n');
    expect(stored.ContentEncoding).toBeUndefined();
  });

  it('stops at once, not waiting for a download an import is still reading', async () => {
    // Prepare: its own S3, and a large object half read, as a long import holds it.
    const own = await startLocalS3({ port: 0, bucket: 'stop-test', dataDir: null, credentials: localCredentials, region: localRegion, account: '000000000000', deliver: async () => undefined });
    const ownClient = new S3Client({ endpoint: own.endpoint, forcePathStyle: true, region: localRegion, credentials: localCredentials });
    await ownClient.send(new PutObjectCommand({ Bucket: 'stop-test', Key: 'imports/big.csv', Body: 'x'.repeat(8_000_000) }));
    const download = await ownClient.send(new GetObjectCommand({ Bucket: 'stop-test', Key: 'imports/big.csv' }));
    const reader = (download.Body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    await reader.next();

    // Act
    const started = Date.now();
    await own.close();

    // Assess
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(async () => {
      for (;;) if ((await reader.next()).done) return;
    }).rejects.toThrow();
    ownClient.destroy();
  });

  it('decodes aws-chunked bodies split anywhere, signed chunks included', async () => {
    const body = '5;chunk-signature=abc\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n';

    expect(await collect(awsChunkedPayload(pieces(body)))).toBe('hello world');
    expect(await collect(awsChunkedPayload(pieces(...body.split(''))))).toBe('hello world');
  });
});
