/** A file dropped for import: its bytes as a stream, and the settings its uploader attached (S3 user metadata). */
export interface ImportObject {
  readonly body: AsyncIterable<Uint8Array>;
  /** Lower-case names, as S3 gives user metadata back (`x-amz-meta-topic` → `topic`). */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Where files dropped for import are read and their reports written: the import bucket. Declared apart from its S3
 * adapter, which streams an object with GetObject and writes a report with PutObject.
 */
export interface ImportFiles {
  /** The object, or undefined when it is gone (deleted since it was dropped). */
  open(key: string): Promise<ImportObject | undefined>;
  putReport(key: string, json: string): Promise<void>;
}
