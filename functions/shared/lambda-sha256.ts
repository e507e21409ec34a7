import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/**
 * Stands in for `@smithy/core/checksum` in functions that bundle the AWS SDK (`bundleAwsSdk`, see
 * lib/shared/nurture-function.ts): the DynamoDB client takes only its `Sha256` (SigV4 hashes and signing keys), and
 * the module's pure-JavaScript SHA-256, kept for runtimes without `node:crypto`, is dead weight in Lambda. The same
 * class as the SDK's `node:crypto` one; never used outside those bundles.
 */
export class Sha256 {
  readonly digestLength = 32;
  private hash: Hash | Hmac;
  private finished = false;

  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.create();
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.finished) throw new Error('Attempted to update an already finished hash.');
    this.hash.update(toBinary(data));
  }

  /** A hash may be digested again after more updates; an HMAC only once. */
  async digest(): Promise<Uint8Array> {
    let digest: Buffer;
    if (this.secret === undefined) {
      digest = (this.hash as Hash).copy().digest();
    } else {
      this.finished = true;
      digest = this.hash.digest();
    }
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
  }

  reset(): void {
    this.hash = this.create();
    this.finished = false;
  }

  private create(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBinary(this.secret));
  }
}

function toBinary(data: string | ArrayBuffer | ArrayBufferView): string | Buffer {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
