/** s3rver ships no type declarations: the part of its API the local runtime uses. */
declare module 's3rver' {
  import type { EventEmitter } from 'node:events';
  import type { IncomingMessage, Server } from 'node:http';
  import type { AddressInfo } from 'node:net';

  /** The slice of a Koa context the runtime's own middleware reads and replaces. */
  export interface S3rverContext {
    readonly method: string;
    req: IncomingMessage | NodeJS.ReadableStream;
    readonly request: { readonly req: IncomingMessage };
    get(header: string): string;
  }

  export type S3rverMiddleware = (ctx: S3rverContext, next: () => Promise<void>) => Promise<void>;

  export interface S3rverOptions {
    readonly address?: string;
    readonly port?: number;
    readonly silent?: boolean;
    readonly directory?: string;
    readonly resetOnClose?: boolean;
    readonly vhostBuckets?: boolean;
    readonly configureBuckets?: readonly { readonly name: string }[];
  }

  /** One S3 event notification, as s3rver emits it on `event`. */
  export interface S3rverEvent {
    readonly Records: readonly {
      readonly eventName: string;
      readonly eventTime: string;
      readonly requestParameters: { readonly sourceIPAddress: string };
      readonly responseElements: Readonly<Record<string, string>>;
      readonly s3: {
        readonly bucket: { readonly name: string };
        readonly object: { readonly key: string; readonly size?: number; readonly eTag?: string; readonly sequencer: string };
      };
    }[];
  }

  /** A Koa application: `middleware` is Koa's own list, composed when the server starts. */
  export default class S3rver extends EventEmitter {
    constructor(options: S3rverOptions);
    readonly middleware: S3rverMiddleware[];
    /** The HTTP server, once `run` has started it. */
    readonly httpServer?: Server;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}

/** s3rver's one built-in account, whose key pairs it accepts (it checks the key id, not V4 signatures). */
declare module 's3rver/lib/models/account.js' {
  const AWSAccount: { readonly DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void } };
  export default AWSAccount;
}
