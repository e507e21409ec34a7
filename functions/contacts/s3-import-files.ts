import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ImportFiles, ImportObject } from './import-files';

/**
 * The import bucket through S3: a dropped file is streamed from GetObject's body as it arrives (never read whole,
 * so a file larger than the function's memory imports), with the user metadata its uploader attached; a report is
 * written with PutObject, encrypted as the bucket's default encryption says.
 */
export class S3ImportFiles implements ImportFiles {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async open(key: string): Promise<ImportObject | undefined> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return { body: chunksOf(object.Body, key), metadata: object.Metadata ?? {} };
    } catch (error) {
      // Deleted between the event and this read: nothing to import.
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  async putReport(key: string, json: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: json, ContentType: 'application/json' }));
  }
}

/** GetObject's body in Node.js is a readable stream: its chunks, as the import reads them. */
function chunksOf(body: unknown, key: string): AsyncIterable<Uint8Array> {
  if (typeof body === 'object' && body !== null && Symbol.asyncIterator in body) return body as AsyncIterable<Uint8Array>;
  throw new Error(`GetObject of ${key} returned no readable body`);
}
