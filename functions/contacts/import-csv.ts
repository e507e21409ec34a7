/**
 * A streaming RFC 4180 CSV parser: text goes in chunk by chunk, whole records come out, so a file of any size is
 * read in constant memory. Quoted fields may hold the delimiter, `""` (a quote) and line breaks; records end at
 * CRLF, LF or a lone CR; a byte order mark at the start is dropped; empty lines are skipped. Written by hand: no
 * CSV library is a dependency, and this is the whole of what an import needs.
 */

/** One record and the physical line it starts on (1-based), for messages about the file. */
export interface CsvRecord {
  readonly cells: string[];
  readonly line: number;
}

/** The text is not CSV this parser can read (an unclosed quote, a record too long to be one). */
export class MalformedCsv extends Error {
  override name = 'MalformedCsv';
}

/** A record longer than this is an unclosed quote swallowing the file, not data. */
const MAX_RECORD_CHARS = 1_000_000;

export class CsvParser {
  private cells: string[] = [];
  private cell = '';
  private quoted = false;
  /** Inside quotes: the last character was a quote (a closing one, or the first of `""`). */
  private quoteSeen = false;
  /** The cell began with a quote. */
  private wasQuoted = false;
  /** A CR ended the last record: a LF right after it belongs to it. */
  private afterCr = false;
  private started = false;
  private line = 1;
  private recordLine = 1;
  private recordChars = 0;
  /** A cell of the current record was quoted (`""` alone on a line is a record of one empty cell). */
  private recordQuoted = false;

  constructor(private readonly delimiter = ',') {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
      throw new Error('the delimiter is one character other than a quote or a line break');
    }
  }

  /** The records the chunk completes; a record cut by the chunk's end comes out with a later chunk. */
  push(chunk: string): CsvRecord[] {
    const records: CsvRecord[] = [];
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const d = this.delimiter;
    let start = 0;
    /** Where the record being read began in this chunk: only its characters count towards the record limit. */
    let recordStart = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (this.afterCr) {
        this.afterCr = false;
        if (c === '\n') {
          start = i + 1;
          continue;
        }
      }
      if (this.quoted) {
        if (this.quoteSeen) {
          this.quoteSeen = false;
          if (c === '"') {
            // `""`: one quote in the value; the first was not appended.
            this.cell += '"';
            start = i + 1;
            continue;
          }
          this.quoted = false; // the quote before closed the field; c is handled as outside quotes below
        } else if (c === '"') {
          this.cell += text.slice(start, i);
          this.quoteSeen = true;
          start = i + 1;
          continue;
        } else {
          if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) this.line++;
          continue;
        }
      }
      if (c === d) {
        this.endCell(text.slice(start, i));
        start = i + 1;
      } else if (c === '\n' || c === '\r') {
        this.endCell(text.slice(start, i));
        const record = this.endRecord();
        if (record) records.push(record);
        recordStart = i + 1;
        this.line++;
        this.recordLine = this.line;
        if (c === '\r') this.afterCr = true;
        start = i + 1;
      } else if (c === '"' && this.cell === '' && i === start && !this.wasQuoted) {
        // A quote opening the field. A quote anywhere else in an unquoted field is kept as a character.
        this.quoted = true;
        this.wasQuoted = true;
        start = i + 1;
      } else if (this.wasQuoted) {
        throw new MalformedCsv(`line ${this.line}: a quoted field must end at a "${d}" or a line break after its closing quote`);
      }
    }
    this.cell += text.slice(start);
    this.recordChars += text.length - recordStart;
    if (this.recordChars > MAX_RECORD_CHARS) {
      throw new MalformedCsv(`line ${this.recordLine}: a record longer than ${MAX_RECORD_CHARS} characters (an unclosed quote?)`);
    }
    return records;
  }

  /** The last record, when the text does not end with a line break; throws on a quote left open. */
  end(): CsvRecord[] {
    if (this.quoted && !this.quoteSeen) throw new MalformedCsv(`line ${this.recordLine}: a quoted field is never closed`);
    this.quoted = false;
    this.quoteSeen = false;
    this.endCell('');
    const record = this.endRecord();
    return record ? [record] : [];
  }

  private endCell(rest: string): void {
    this.cells.push(this.cell + rest);
    if (this.wasQuoted) this.recordQuoted = true;
    this.cell = '';
    this.wasQuoted = false;
    this.quoted = false;
    this.quoteSeen = false;
  }

  private endRecord(): CsvRecord | undefined {
    const cells = this.cells;
    this.cells = [];
    this.recordChars = 0;
    const quoted = this.recordQuoted;
    this.recordQuoted = false;
    // An empty line (one empty, unquoted cell) is not a record.
    if (cells.length === 1 && cells[0] === '' && !quoted) return undefined;
    return { cells, line: this.recordLine };
  }
}
