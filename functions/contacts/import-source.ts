import { createHash } from 'node:crypto';
import { CsvParser, MalformedCsv } from './import-csv';

/**
 * An import file read as a stream of rows: CSV (a header row, then one row per contact) or NDJSON (one JSON object
 * per line). The bytes come in chunks (a file, an S3 object's body) and rows come out one at a time, so memory does
 * not grow with the file.
 */

export type ImportFormat = 'csv' | 'ndjson';

/** One row of the file: its values by column (CSV header or NDJSON key), or why it cannot be read. */
export type SourceRow =
  | { readonly row: number; readonly values: Readonly<Record<string, unknown>> }
  | { readonly row: number; readonly problem: string };

/** The rows, and the columns the file declares (CSV: its header, known before the first row; NDJSON: none). */
export interface ImportSource {
  readonly format: ImportFormat;
  readonly headers?: readonly string[];
  readonly rows: AsyncIterable<SourceRow>;
}

/** The file as a whole cannot be imported: not UTF-8 text, not CSV or NDJSON, no header. Nothing was written. */
export class InvalidImportFile extends Error {
  override name = 'InvalidImportFile';
}

/** A line longer than this is not one contact. */
const MAX_LINE_CHARS = 1_000_000;

/** The chunks as they pass, and the SHA-256 of all of them once they have. */
export function hashing(chunks: AsyncIterable<Uint8Array>): { readonly chunks: AsyncIterable<Uint8Array>; sha256(): string } {
  const hash = createHash('sha256');
  async function* passing() {
    for await (const chunk of chunks) {
      hash.update(chunk);
      yield chunk;
    }
  }
  return { chunks: passing(), sha256: () => hash.digest('hex') };
}

/** The format a file name says: `.csv`, or `.ndjson` / `.jsonl`. */
export function formatOf(fileName: string): ImportFormat | undefined {
  const extension = /\.([a-z]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  if (extension === 'csv' || extension === 'txt') return 'csv';
  if (extension === 'ndjson' || extension === 'jsonl') return 'ndjson';
  return undefined;
}

/**
 * Opens a stream of bytes as rows. For CSV it reads up to the header row before returning (so a file without one
 * fails here, before any row is written); rows are numbered as a spreadsheet numbers them (the header is row 1).
 * NDJSON rows are numbered by line.
 */
export async function openImportSource(
  bytes: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  format: ImportFormat,
  options: { readonly delimiter?: string } = {},
): Promise<ImportSource> {
  const text = decodeText(bytes);
  return format === 'csv' ? openCsv(text, options.delimiter ?? ',') : { format, rows: ndjsonRows(text) };
}

/** UTF-8 text in chunks; a byte that is not UTF-8, or a NUL (a binary file), ends the import. */
async function* decodeText(bytes: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const decode = (chunk?: Uint8Array) => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw new InvalidImportFile('the file is not UTF-8 text (save it as CSV UTF-8, or NDJSON)');
    }
  };
  for await (const chunk of bytes) {
    const text = typeof chunk === 'string' ? chunk : decode(chunk);
    if (text.includes('\u0000')) throw new InvalidImportFile('the file is not text (it holds NUL bytes): import a .csv or .ndjson file');
    if (text) yield text;
  }
  const rest = decode();
  if (rest) yield rest;
}

async function openCsv(text: AsyncGenerator<string>, delimiter: string): Promise<ImportSource> {
  const parser = new CsvParser(delimiter);
  const pending: { cells: string[]; line: number }[] = [];
  let done = false;
  const fill = async () => {
    try {
      while (pending.length === 0 && !done) {
        const next = await text.next();
        if (next.done) {
          done = true;
          pending.push(...parser.end());
        } else {
          pending.push(...parser.push(next.value));
        }
      }
    } catch (error) {
      if (error instanceof MalformedCsv) throw new InvalidImportFile(`not valid CSV: ${error.message}`);
      throw error;
    }
  };
  await fill();
  const header = pending.shift();
  if (!header) throw new InvalidImportFile('the file is empty: a CSV import needs a header row and one row per contact');
  const headers = header.cells.map((cell) => cell.trim());
  checkHeader(headers);

  async function* rows(): AsyncGenerator<SourceRow> {
    let row = 1;
    for (;;) {
      await fill();
      const record = pending.shift();
      if (!record) return;
      row++;
      if (record.cells.length !== headers.length) {
        yield { row, problem: `has ${record.cells.length} cells where the header has ${headers.length} columns` };
        continue;
      }
      const values: Record<string, string> = {};
      headers.forEach((name, i) => (values[name] = record.cells[i]!));
      yield { row, values };
    }
  }
  return { format: 'csv', headers, rows: rows() };
}

/** A header row names its columns once each; one that holds addresses is a data row (the file has no header). */
function checkHeader(headers: readonly string[]): void {
  if (/^[[{]/.test(headers[0] ?? '')) {
    throw new InvalidImportFile('the file looks like JSON, not CSV: import NDJSON as a .ndjson file (or pass --format ndjson)');
  }
  if (headers.some((name) => name.includes('@'))) {
    throw new InvalidImportFile('the first row holds an email address: a CSV import needs a header row naming the columns (email, first_name, …)');
  }
  const seen = new Set<string>();
  for (const name of headers) {
    if (name === '') throw new InvalidImportFile('the header row has an empty column name');
    if (seen.has(name)) throw new InvalidImportFile(`the header row names the column "${name}" twice`);
    seen.add(name);
  }
}

async function* ndjsonRows(text: AsyncGenerator<string>): AsyncGenerator<SourceRow> {
  let line = 0;
  let buffer = '';
  let sawObject = false;
  const parse = (raw: string): SourceRow | undefined => {
    line++;
    const trimmed = raw.trim();
    if (trimmed === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      value = undefined;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      if (!sawObject) throw new InvalidImportFile(`line ${line} is not a JSON object: an NDJSON import has one JSON object per line`);
      return { row: line, problem: 'is not a JSON object' };
    }
    sawObject = true;
    return { row: line, values: value as Record<string, unknown> };
  };
  for await (const chunk of text) {
    buffer += chunk;
    let from = 0;
    for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n', from)) {
      const row = parse(buffer.slice(from, at));
      from = at + 1;
      if (row) yield row;
    }
    buffer = buffer.slice(from);
    if (buffer.length > MAX_LINE_CHARS) throw new InvalidImportFile(`line ${line + 1} is longer than ${MAX_LINE_CHARS} characters`);
  }
  const last = parse(buffer);
  if (last) yield last;
  if (!sawObject) throw new InvalidImportFile('the file is empty: an NDJSON import has one JSON object per line');
}
