/**
 * Import bench (part of `npm run bench`; alone: `npx tsx bench/import.ts`; `BENCH_IMPORT_ROWS=100000` for the issue's
 * full size, which takes about 15 minutes per side on DynamoDB Local): a CSV of 20,000 new contacts (consent to the newsletter on every row) imported with `npm run contacts -- import`
 * through the local runtime's `POST /contacts/import`, in rows per second against a floor that issues the same
 * DynamoDB writes straight from the SDK at the same number of rows in flight (goal ≥ 0.7×), DynamoDB calls per row,
 * and the same file imported again (every row unchanged). The runs happen in bench/import-child.ts.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as z from 'zod';
import { repoRoot, runChild } from './child';

export const importGoals = { minRatio: 0.7 } as const;

/**
 * Rows the bench imports: 20,000 unless `BENCH_IMPORT_ROWS` says otherwise. DynamoDB Local writes ~110 rows/s, so
 * 100,000 rows would add about 35 minutes to `npm run bench`; the ratio is per row and does not change with size.
 */
export const benchImportRows = Number(process.env.BENCH_IMPORT_ROWS ?? 20_000);

export const ImportBenchPlan = z.object({
  rows: z.int().positive(),
  /** The CSV the import reads (written by the parent). */
  file: z.string().min(1),
  /** Rows in flight in the floor: the import's requests × the rows each request upserts at once. */
  floorConcurrency: z.int().positive(),
  batchSize: z.int().positive(),
  requests: z.int().positive(),
});
export type ImportBenchPlan = z.infer<typeof ImportBenchPlan>;

const Run = z.object({ rows: z.int(), seconds: z.number().positive(), calls: z.record(z.string(), z.int()), requests: z.int() });
export const ImportBenchResult = z.object({
  floor: Run,
  import: Run.extend({ created: z.int(), rejected: z.int() }),
  rerun: Run.extend({ unchanged: z.int() }),
});
export type ImportBenchResult = z.infer<typeof ImportBenchResult>;

/** Batches of 100 rows, two requests in flight, each upserting 8 rows at once: 16 rows in flight, as the floor. */
const plan = { batchSize: 100, requests: 2, rowsAtOnce: 8 } as const;

/** The i-th row of the bench's CSV, as the floor writes it. */
export function benchRow(i: number) {
  return {
    email: `bench-import-${i}@company${i % 500}.example`,
    first_name: `First${i}`,
    last_name: `Last${i}`,
    company: `Company ${i % 500}`,
    budget: (i * 37) % 20_000,
    tags: i % 3 === 0 ? ['vip'] : [],
  };
}

/** Writes the bench's CSV, streaming: a header and `rows` rows, every one with consent. */
async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('Email,First Name,Last Name,Company,Budget,Tags,Consent\r\n');
  for (let i = 0; i < rows; i++) {
    const row = benchRow(i);
    const line = `${row.email},${row.first_name},${row.last_name},"${row.company}",${row.budget},${row.tags.join(';')},yes\r\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export async function benchImport(say: (line: string) => void = () => undefined, rows = benchImportRows): Promise<ImportBenchResult> {
  const dir = join(repoRoot, '.bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `import-${rows}.csv`);
  say(`import: writing ${rows} rows to ${file}`);
  await writeCsv(file, rows);
  return runChild(
    'bench/import-child.ts',
    { rows, file, floorConcurrency: plan.requests * plan.rowsAtOnce, batchSize: plan.batchSize, requests: plan.requests } satisfies ImportBenchPlan,
    ImportBenchResult,
    { logFile: join(dir, 'import.log'), onProgress: say },
  );
}

const perRow = (calls: Record<string, number>, rows: number) => Object.values(calls).reduce((a, b) => a + b, 0) / Math.max(rows, 1);
const byOperation = (calls: Record<string, number>, rows: number) =>
  Object.entries(calls)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name} ${(n / Math.max(rows, 1)).toFixed(2)}`)
    .join(', ');

export function importSection(result: ImportBenchResult): { markdown: string; verdicts: { goal: string; met: boolean }[] } {
  const floorRate = result.floor.rows / result.floor.seconds;
  const importRate = result.import.rows / result.import.seconds;
  const rerunRate = result.rerun.rows / result.rerun.seconds;
  const ratio = importRate / floorRate;
  const met = ratio >= importGoals.minRatio;
  const rows = result.import.rows.toLocaleString('en');
  const verdicts = [{ goal: `import of ${rows} rows: ${importRate.toFixed(0)} rows/s, ${ratio.toFixed(2)}× the direct-write floor (goal ≥ ${importGoals.minRatio}×)`, met }];
  const lines = [
    '## Contact import',
    '',
    '| measure | value | goal |',
    '| --- | ---: | --- |',
    `| floor: the same DynamoDB writes straight from the SDK (BatchGetItem of the claim, one TransactWriteItems per row), 16 rows in flight | ${floorRate.toFixed(0)} rows/s, ${perRow(result.floor.calls, result.floor.rows).toFixed(2)} calls/row | — |`,
    `| \`npm run contacts -- import\` of a ${rows}-row CSV (new contacts, newsletter consent), ${plan.batchSize} rows per \`POST /contacts/import\`, ${plan.requests} requests in flight × ${plan.rowsAtOnce} rows at once | ${importRate.toFixed(0)} rows/s (${ratio.toFixed(2)}× the floor), ${result.import.created.toLocaleString('en')} created, ${result.import.rejected} rejected | ≥ ${importGoals.minRatio}×: ${met ? 'met' : '**MISS**'} |`,
    `| DynamoDB calls per imported row (${result.import.requests} requests) | ${perRow(result.import.calls, result.import.rows).toFixed(2)} (${byOperation(result.import.calls, result.import.rows)}) | report |`,
    `| the same file again: every row unchanged, nothing written | ${rerunRate.toFixed(0)} rows/s, ${result.rerun.unchanged.toLocaleString('en')} unchanged, ${perRow(result.rerun.calls, result.rerun.rows).toFixed(2)} calls/row (${byOperation(result.rerun.calls, result.rerun.rows)}) | report |`,
    '',
    'The import runs as a person runs it (its own process reading the file, checking each row, posting batches); the ' +
      'floor skips the file, HTTP, the checks and the mapping. The reactor is held during both runs (its calls wait), ' +
      'so neither shares the machine with the processing of the events they append.',
    '',
  ];
  return { markdown: lines.join('\n'), verdicts };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const result = await benchImport((line) => console.error(`[import] ${line}`));
  console.log(importSection(result).markdown);
  process.exit(0);
}
