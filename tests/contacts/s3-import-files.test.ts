import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ImportFiles } from '../../functions/contacts/s3-import-files';
import { localCredentials, localRegion } from '../../local/dynamodb-local';
import { startLocalS3, type LocalS3 } from '../../local/s3';

const BUCKET = 'adapter-imports';
let s3: LocalS3;
let client: S3Client;
let files: S3ImportFiles;

beforeAll(async () => {
  s3 = await startLocalS3({ port: 0, bucket: BUCKET, dataDir: null, credentials: localCredentials, region: localRegion, account: '000000000000', deliver: async () => undefined });
  client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: localRegion, credentials: localCredentials });
  files = new S3ImportFiles(client, BUCKET);
});

afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

describe('the import bucket through S3 (s3rver)', () => {
  it('streams a dropped file chunk by chunk, with the metadata its uploader attached', async () => {
    // Prepare: a file of a few megabytes, larger than one network read.
    const line = 'someone@example.com,Someone,yes\n';
    const text = `email,first_name,consent\n${line.repeat(100_000)}`;
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'imports/big.csv', Body: text, Metadata: { topic: 'newsletter', 'consent-column': 'consent' } }),
    );

    // Act
    const object = await files.open('imports/big.csv');
    const chunks: Uint8Array[] = [];
    for await (const chunk of object!.body) chunks.push(chunk);

    // Assess
    expect(object!.metadata).toEqual({ topic: 'newsletter', 'consent-column': 'consent' });
    expect(chunks.length).toBeGreaterThan(1);
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThan(text.length / 4);
    expect(Buffer.concat(chunks).toString()).toBe(text);
  });

  it('answers undefined for a file gone before it was read', async () => {
    expect(await files.open('imports/never-dropped.csv')).toBeUndefined();
  });

  it('writes a report as JSON', async () => {
    // Act
    await files.putReport('reports/list.csv.report.json', '{"rows":2}\n');

    // Assess
    const written = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'reports/list.csv.report.json' }));
    expect(written.ContentType).toBe('application/json');
    expect(await written.Body!.transformToString()).toBe('{"rows":2}\n');
  });
});
