import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import S3rver, { type S3rverEvent, type S3rverMiddleware } from 's3rver';
import accounts from 's3rver/lib/models/account.js';
import { createLogger } from '../functions/shared/logger';

/**
 * The local S3: s3rver (a real S3 REST API on a port, objects on disk), with one bucket, that publishes each object
 * created in it as the "Object Created" event S3 sends to EventBridge, to `deliver` (the runtime hands it to the
 * functions the registry subscribes). The real S3 client reaches it path-style with the runtime's dummy keys.
 */
export interface LocalS3Options {
  /** 0 picks a free one. */
  readonly port: number;
  readonly bucket: string;
  /** Where objects are kept; null keeps them in a temporary folder removed on close. */
  readonly dataDir: string | null;
  /** The dummy keys clients sign with (s3rver checks the key id is known, not the signature). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly region: string;
  readonly account: string;
  readonly deliver: (event: S3EventBridgeEvent) => Promise<unknown>;
}

export interface LocalS3 {
  /** Point `AWS_ENDPOINT_URL_S3` here. */
  readonly endpoint: string;
  readonly bucket: string;
  /** Resolves when every event published so far has been delivered and handled. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** S3's event on the default bus, as EventBridge delivers it to a rule's target. */
export interface S3EventBridgeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'Object Created';
  readonly source: 'aws.s3';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: {
    readonly version: '0';
    readonly bucket: { readonly name: string };
    readonly object: { readonly key: string; readonly size?: number; readonly etag?: string; readonly sequencer: string };
    readonly 'request-id': string;
    readonly requester: string;
    readonly 'source-ip-address': string;
    readonly reason: string;
  };
}

/** The API call behind each kind of s3rver notification, as EventBridge's `reason` names it. */
const reasons: Readonly<Record<string, string>> = {
  'ObjectCreated:Put': 'PutObject',
  'ObjectCreated:Copy': 'CopyObject',
  // s3rver reports a completed multipart upload (what `aws s3 cp` does for large files) as a Post.
  'ObjectCreated:Post': 'CompleteMultipartUpload',
};

export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const directory = options.dataDir ?? mkdtempSync(join(tmpdir(), 'nurture-s3-'));
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  accounts.DUMMY_ACCOUNT.createKeyPair(options.credentials.accessKeyId, options.credentials.secretAccessKey);
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket }],
  });
  // First, before s3rver's own middleware: it would store an aws-chunked body with its chunk framing.
  server.middleware.unshift(decodeAwsChunked);

  const inFlight = new Set<Promise<unknown>>();
  server.on('event', (notification: S3rverEvent) => {
    for (const record of notification.Records) {
      const reason = reasons[record.eventName];
      if (!reason) continue;
      const event: S3EventBridgeEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Object Created',
        source: 'aws.s3',
        account: options.account,
        time: record.eventTime.replace(/\.\d+Z$/, 'Z'),
        region: options.region,
        resources: [`arn:aws:s3:::${record.s3.bucket.name}`],
        detail: {
          version: '0',
          bucket: { name: record.s3.bucket.name },
          object: {
            key: record.s3.object.key,
            ...(record.s3.object.size === undefined ? {} : { size: Number(record.s3.object.size) }),
            ...(record.s3.object.eTag === undefined ? {} : { etag: record.s3.object.eTag }),
            sequencer: record.s3.object.sequencer,
          },
          'request-id': record.responseElements['x-amz-request-id'] ?? randomUUID(),
          requester: options.account,
          'source-ip-address': record.requestParameters.sourceIPAddress,
          reason,
        },
      };
      // After the upload's response, as S3's events come: the uploader is never held up by the import.
      const delivery = new Promise((resolve) => setImmediate(resolve))
        .then(() => options.deliver(event))
        .catch((error: unknown) =>
          createLogger('local-s3').error('event delivery failed', { key: event.detail.object.key, error }),
        );
      inFlight.add(delivery);
      void delivery.finally(() => inFlight.delete(delivery));
    }
  });

  const address = await server.run();
  const idle = async () => {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket: options.bucket,
    idle,
    // An import still running is not waited for (a large file takes minutes): it stops with the stores it writes to,
    // and dropping the file again finishes it, the rows already written coming back unchanged.
    close: async () => {
      const closed = server.close();
      // Including a download an import is still reading: the server would otherwise wait for it.
      server.httpServer?.closeAllConnections();
      await closed;
      if (!options.dataDir) rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * S3's `aws-chunked` upload encoding (`<hex size>[;chunk-signature=…]\r\n<bytes>\r\n`…, a zero-size chunk, then
 * trailing checksums), which SDKs and the AWS CLI use for streamed uploads and s3rver 3 predates: the body s3rver
 * reads is replaced by the decoded bytes. Signatures are not checked locally, so the chunks' are ignored.
 */
const decodeAwsChunked: S3rverMiddleware = async (ctx, next) => {
  const chunked = /aws-chunked/i.test(ctx.get('content-encoding')) || ctx.get('x-amz-content-sha256').startsWith('STREAMING-');
  if (ctx.method === 'PUT' && chunked) {
    const headers = ctx.request.req.headers;
    const encodings = (headers['content-encoding'] ?? '').split(',').map((e) => e.trim()).filter((e) => e && e !== 'aws-chunked');
    if (encodings.length > 0) headers['content-encoding'] = encodings.join(',');
    else delete headers['content-encoding'];
    ctx.req = Readable.from(awsChunkedPayload(ctx.request.req));
  }
  await next();
};

/** The payload of an aws-chunked body: each chunk's bytes, without sizes, signatures or trailers. */
export async function* awsChunkedPayload(body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let buffer: Buffer = Buffer.alloc(0);
  // Bytes of the current chunk still to pass on; then the CRLF after them; -1 while reading a chunk's size line.
  let remaining = -1;
  let crlf = 0;
  let ended = false;
  // Read to the end even after the last chunk: the trailers are part of the request.
  for await (const piece of body) {
    if (ended) continue;
    buffer = buffer.length > 0 ? Buffer.concat([buffer, piece]) : piece;
    for (;;) {
      if (remaining > 0) {
        const take = Math.min(remaining, buffer.length);
        if (take === 0) break;
        yield buffer.subarray(0, take);
        buffer = buffer.subarray(take);
        remaining -= take;
        if (remaining > 0) break;
        crlf = 2;
      }
      if (crlf > 0) {
        const skip = Math.min(crlf, buffer.length);
        buffer = buffer.subarray(skip);
        crlf -= skip;
        if (crlf > 0) break;
        remaining = -1;
      }
      const eol = buffer.indexOf('\r\n');
      if (eol < 0) break;
      const size = Number.parseInt(buffer.subarray(0, eol).toString('latin1').split(';')[0]!, 16);
      if (!Number.isFinite(size)) throw new Error('malformed aws-chunked body');
      buffer = buffer.subarray(eol + 2);
      if (size === 0) {
        ended = true;
        break;
      }
      remaining = size;
    }
  }
}
