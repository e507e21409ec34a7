import { createHash } from 'node:crypto';
import type { Clock } from '../shared/ids';
import { ContactContended } from './contacts';
import { InvalidImportSettings, checkSettings, columnTarget, planColumns, rowContact, rowReasons, type ColumnProblem, type ColumnTarget, type ImportSettings } from './domain/import';

export { InvalidImportSettings } from './domain/import';
import { ImportTally, type ImportReport, type RowResult } from './domain/import-report';
import { checkUpsert, type UpsertRequest, type UpsertRules } from './domain/upsert';
import { InvalidImportFile, type ImportSource } from './import-source';
import type { ContactUpserts, UpsertOutcome } from './upsert';

/**
 * The import of a file of contacts, wherever the file is read (the CLI, the import bucket's function): rows are read
 * one at a time, mapped to the body of an upsert, checked by the same code as `PUT /contacts`, deduplicated by
 * normalised email, and handed in batches to a writer, with a bounded number of batches in flight — so memory does
 * not grow with the file (but for the set of emails seen, hashed). Each row is one upsert: one transaction.
 */

/** A checked row on its way to the database: the body as `PUT /contacts` takes it, and the checked request. */
export interface ImportRow {
  readonly row: number;
  readonly contact: Record<string, unknown>;
  readonly request: UpsertRequest;
}

/** Where checked rows are upserted: the contacts API over HTTP (`POST /contacts/import`) or the table directly. */
export interface ImportWriter {
  /** One result per row, in any order. Throws when the batch could not be written at all (the run fails). */
  write(rows: readonly ImportRow[]): Promise<readonly RowResult[]>;
}

export interface ImportRun {
  readonly source: ImportSource;
  readonly settings: ImportSettings;
  readonly rules: UpsertRules;
  readonly writer: ImportWriter;
  /** Rows per call of the writer. */
  readonly batchSize: number;
  /** Writer calls in flight at once. */
  readonly inFlight: number;
  /** Called with the number of rows done after each batch. */
  readonly onProgress?: (done: number) => void;
}

/** Runs one import to its report. Throws (having written only whole rows) when the file or a batch fails. */
export async function runImport(run: ImportRun): Promise<ImportReport> {
  const { source, settings, rules, writer } = run;
  const problems = checkSettings(settings, rules);
  if (problems.length > 0) throw new InvalidImportSettings(problems.join('\n'));
  const targetOf = columnsOf(source, settings, rules);

  const tally = new ImportTally();
  /** First row of each email (or external id), by a hash of it: no address is kept. */
  const seen = new Map<string, number>();
  const pending = new Set<Promise<void>>();
  let failure: unknown;
  let batch: ImportRow[] = [];

  const dispatch = async () => {
    const rows = batch;
    batch = [];
    while (pending.size >= run.inFlight) await Promise.race(pending);
    if (failure !== undefined) throw failure;
    if (rows.length === 0) return;
    const write: Promise<void> = writer
      .write(rows)
      .then(
        (results) => {
          for (const result of results) tally.add(result);
          run.onProgress?.(tally.done);
        },
        (error: unknown) => {
          failure ??= error;
        },
      )
      .finally(() => pending.delete(write));
    pending.add(write);
  };

  for await (const read of source.rows) {
    if (failure !== undefined) break;
    if ('problem' in read) {
      tally.add({ row: read.row, result: 'rejected', reasons: [read.problem] });
      continue;
    }
    const mapped = rowContact(read.values, targetOf, settings);
    if (mapped.type === 'Rejected') {
      tally.add({ row: read.row, result: 'rejected', reasons: mapped.reasons });
      continue;
    }
    const check = checkUpsert(mapped.body, rules);
    if (check.type === 'Invalid') {
      tally.add({ row: read.row, result: 'rejected', reasons: rowReasons(check.errors, check.suggestion) });
      continue;
    }
    const key = dedupeKey(check.request);
    const first = seen.get(key);
    if (first !== undefined) {
      tally.duplicate(read.row, first);
      continue;
    }
    seen.set(key, read.row);
    batch.push({ row: read.row, contact: mapped.body, request: check.request });
    if (batch.length >= run.batchSize) await dispatch();
  }
  if (failure === undefined) await dispatch();
  await Promise.all(pending);
  if (failure !== undefined) throw failure;
  return tally.report();
}

/** Each column's target: planned once from a CSV header (a bad header fails here), or per NDJSON key as it appears. */
function columnsOf(source: ImportSource, settings: ImportSettings, rules: UpsertRules): (column: string) => ColumnTarget | ColumnProblem {
  if (source.headers) {
    const plan = planColumns(source.headers, settings, rules);
    if (plan.type === 'Unplannable') throw new InvalidImportFile(plan.problems.join('\n'));
    return (column) => plan.columns.get(column) ?? { kind: 'skip' };
  }
  const cache = new Map<string, ColumnTarget | ColumnProblem>();
  return (column) => {
    let target = cache.get(column);
    if (!target) cache.set(column, (target = columnTarget(column, settings, rules)));
    return target;
  };
}

/** Rows are the same contact when their normalised email is (or, without one, their external id). */
function dedupeKey(request: UpsertRequest): string {
  const key = request.email !== undefined ? `e:${request.email}` : `x:${request.externalId ?? ''}`;
  return createHash('sha256').update(key).digest('base64').slice(0, 16);
}

/**
 * Upserts checked rows, `concurrency` at a time, each its own upsert (`via: "import"`): one transaction per row, so
 * a row is written whole or not at all. Conflicts and contention are the row's result; anything else fails the batch.
 */
export async function upsertRows(
  rows: readonly Pick<ImportRow, 'row' | 'request'>[],
  deps: { readonly upserts: ContactUpserts; readonly clock: Clock },
  concurrency: number,
): Promise<RowResult[]> {
  const results: RowResult[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < rows.length; i = next++) {
      const { row, request } = rows[i]!;
      const outcome = await deps.upserts.upsert(request, { via: 'import' }, deps.clock.now()).catch((error: unknown) => {
        if (error instanceof ContactContended) return undefined;
        throw error;
      });
      results.push(rowResult(row, outcome));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));
  return results;
}

function rowResult(row: number, outcome: UpsertOutcome | undefined): RowResult {
  if (!outcome) return { row, result: 'rejected', reasons: ['busy: the contact kept changing while it was written; import the file again'] };
  switch (outcome.type) {
    case 'Created':
      return { row, result: 'created', contactId: outcome.contactId };
    case 'Updated':
      return { row, result: 'updated', contactId: outcome.contactId };
    case 'Unchanged':
      return { row, result: 'unchanged', contactId: outcome.contactId };
    case 'Conflict':
    case 'NotFound':
      return { row, result: 'rejected', reasons: [`externalId: ${outcome.message}`] };
    case 'KeyReused':
      return { row, result: 'rejected', reasons: ['idempotency key reused'] };
    case 'Erased':
      return { row, result: 'rejected', reasons: [`email: ${outcome.message}`] };
  }
}

/** The writer of the import bucket's function and of tests: the upsert itself, `concurrency` rows at a time. */
export function directWriter(deps: { readonly upserts: ContactUpserts; readonly clock: Clock }, concurrency: number): ImportWriter {
  return { write: (rows) => upsertRows(rows, deps, concurrency) };
}
