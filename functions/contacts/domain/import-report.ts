/**
 * The report of one import: how many rows were created, updated, unchanged or rejected, which rows (as ranges), and
 * why each rejected row was. Row numbers and reasons only: a report never holds an address or a value. Pure.
 */

/** What happened to one row. */
export type RowResult =
  | { readonly row: number; readonly result: 'created' | 'updated' | 'unchanged'; readonly contactId: string }
  | { readonly row: number; readonly result: 'rejected'; readonly reasons: readonly string[] };

export type RowOutcome = RowResult['result'];

export interface OutcomeRows {
  readonly count: number;
  /** The rows as sorted ranges: `2-500,502,510-511`. */
  readonly rows: string;
}

export interface ImportReport {
  /** Rows read (CSV: without the header). */
  readonly rows: number;
  readonly created: OutcomeRows;
  readonly updated: OutcomeRows;
  readonly unchanged: OutcomeRows;
  readonly rejected: OutcomeRows & {
    /** Rows rejected as repeats of an earlier row's email (the first row wins). */
    readonly duplicates: number;
    /** Each rejected row with its reasons, in row order (the first {@link MAX_LISTED_REJECTIONS}). */
    readonly reasons: readonly { readonly row: number; readonly reasons: readonly string[] }[];
  };
}

/** The report of one file, with what identifies the run. */
export interface FileImportReport extends ImportReport {
  readonly file: string;
  readonly format: 'csv' | 'ndjson';
  /** Of the file's bytes: the same file imported twice has the same hash (and the second run changes nothing). */
  readonly sha256: string;
  readonly startedAt: string;
  readonly seconds: number;
}

/** Rejected rows listed with their reasons; past this, only their numbers are kept (memory stays bounded). */
export const MAX_LISTED_REJECTIONS = 10_000;

/** Row numbers, 4 bytes each, in a buffer that doubles as it fills. */
class RowNumbers {
  private rows = new Uint32Array(1_024);
  count = 0;

  add(row: number): void {
    if (this.count === this.rows.length) {
      const bigger = new Uint32Array(this.rows.length * 2);
      bigger.set(this.rows);
      this.rows = bigger;
    }
    this.rows[this.count++] = row;
  }

  ranges(): string {
    const sorted = this.rows.slice(0, this.count).sort();
    const parts: string[] = [];
    for (let i = 0; i < sorted.length; ) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
      parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
      i = j + 1;
    }
    return parts.join(',');
  }
}

/** Counts rows as their results arrive (in any order) and builds the report. */
export class ImportTally {
  private readonly outcomes: Record<RowOutcome, RowNumbers> = {
    created: new RowNumbers(),
    updated: new RowNumbers(),
    unchanged: new RowNumbers(),
    rejected: new RowNumbers(),
  };
  private readonly reasons: { row: number; reasons: readonly string[] }[] = [];
  private duplicates = 0;

  add(result: RowResult): void {
    this.outcomes[result.result].add(result.row);
    if (result.result === 'rejected' && this.reasons.length < MAX_LISTED_REJECTIONS) this.reasons.push({ row: result.row, reasons: result.reasons });
  }

  /** A row whose email an earlier row had: rejected, the first row wins. */
  duplicate(row: number, firstRow: number): void {
    this.duplicates++;
    this.add({ row, result: 'rejected', reasons: [`duplicate of row ${firstRow} (the same email): the first row wins`] });
  }

  get done(): number {
    return Object.values(this.outcomes).reduce((sum, rows) => sum + rows.count, 0);
  }

  report(): ImportReport {
    const of = (outcome: RowOutcome): OutcomeRows => ({ count: this.outcomes[outcome].count, rows: this.outcomes[outcome].ranges() });
    return {
      rows: this.done,
      created: of('created'),
      updated: of('updated'),
      unchanged: of('unchanged'),
      rejected: { ...of('rejected'), duplicates: this.duplicates, reasons: [...this.reasons].sort((a, b) => a.row - b.row) },
    };
  }
}

/** The report as a person reads it in a terminal: counts, then up to `limit` rejected rows with their reasons. */
export function formatReport(report: ImportReport, limit = 50): string {
  const width = String(report.rows).length;
  const line = (label: string, count: number, note = '') => `  ${label.padEnd(10)}${String(count).padStart(width)}${note}`;
  const lines = [
    line('created', report.created.count),
    line('updated', report.updated.count),
    line('unchanged', report.unchanged.count),
    line('rejected', report.rejected.count, report.rejected.duplicates ? ` (${report.rejected.duplicates} duplicates)` : ''),
  ];
  if (report.rejected.count > 0) {
    lines.push('', 'Rejected rows:');
    for (const { row, reasons } of report.rejected.reasons.slice(0, limit)) lines.push(`  row ${row}: ${reasons.join('; ')}`);
    const more = report.rejected.count - Math.min(limit, report.rejected.reasons.length);
    if (more > 0) lines.push(`  … and ${more} more (write them all with --report <file.json>)`);
  }
  return lines.join('\n');
}
