import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOCAL_API_KEY } from '../local/settings';
import { attributeFields, emailTopics } from '../functions/contacts/attribute-fields';
import { checkSettings, parseColumnMap, type ConsentBasis, type ImportSettings } from '../functions/contacts/domain/import';
import { formatReport, type FileImportReport } from '../functions/contacts/domain/import-report';
import type { UpsertRules } from '../functions/contacts/domain/upsert';
import { InvalidImportSettings, runImport, type ImportWriter } from '../functions/contacts/import';
import { ImportAnswer, MAX_IMPORT_ROWS } from '../functions/contacts/import-contacts';
import { InvalidImportFile, formatOf, hashing, openImportSource, type ImportFormat } from '../functions/contacts/import-source';
import { disposableDomains } from '../functions/forms/disposable-domains';

/**
 * `npm run contacts -- import <file.csv|file.ndjson>`: reads the file as a stream, checks each row as
 * `PUT /contacts` does, and sends the rows in batches to `POST /contacts/import` of a running Nurture — locally
 * `npm start` (`PORT`, key `NURTURE_API_KEY` or the local development key), deployed with `--url` and
 * a key with the `contacts:write` scope in `NURTURE_API_KEY`. Prints (and with `--report`, writes) the report: created, updated, unchanged and rejected
 * rows with reasons. Exits non-zero only when the run itself failed, never for rejected rows.
 */

export const importUsage = `Usage: npm run contacts -- import <file.csv|file.ndjson> [options]

  --map "Column=field,…"     column → email | externalId | tags | phone | consents | <attribute>; "Column=" skips a column
                             (columns are otherwise matched by name, ignoring case, spaces and punctuation)
  --topic <topic>            subscribe each row to this email topic …
  --consent-column <column>  … only when this column says yes (required with --topic; other rows are rejected)
  --basis <basis>            how the consent was obtained (default import)
  --source <text>            where it came from (default the file's name)
  --confirm-emails           import addresses the typo check questions as they are written
  --format csv|ndjson        default from the file's extension; --delimiter ";" for CSV with semicolons
  --report <file.json>       write the full report
  --url <base url>           a deployed API (default http://127.0.0.1:$PORT); key (contacts:write) from NURTURE_API_KEY
  --batch-size <n>           rows per request (default 100, at most ${MAX_IMPORT_ROWS})
  --concurrency <n>          requests in flight (default 2)`;

export interface ImportFileOptions {
  readonly file: string;
  readonly url: string;
  readonly token: string;
  readonly settings: ImportSettings;
  readonly format?: ImportFormat;
  readonly delimiter?: string;
  /** @default 100 */
  readonly batchSize?: number;
  /** @default 2 */
  readonly concurrency?: number;
  readonly rules?: UpsertRules;
  readonly onProgress?: (done: number) => void;
}

/** A request the API refused or kept failing: the run stops (rows sent before it are written whole). */
export class ImportRequestFailed extends Error {
  override name = 'ImportRequestFailed';
}

/** Imports one file through `POST /contacts/import`. */
export async function importFile(options: ImportFileOptions): Promise<FileImportReport> {
  const format = options.format ?? formatOf(options.file);
  if (!format) throw new InvalidImportFile(`cannot tell the format of ${basename(options.file)}: name it .csv or .ndjson, or pass --format`);
  const startedAt = new Date();
  const bytes = hashing(createReadStream(options.file, { highWaterMark: 256 * 1024 }));
  const source = await openImportSource(bytes.chunks, format, {
    ...(options.delimiter ? { delimiter: options.delimiter } : {}),
  });
  const report = await runImport({
    source,
    settings: options.settings,
    rules: options.rules ?? localRules(),
    writer: httpWriter(options.url, options.token),
    batchSize: Math.min(options.batchSize ?? 100, MAX_IMPORT_ROWS),
    inFlight: options.concurrency ?? 2,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return {
    file: basename(options.file),
    format,
    sha256: bytes.sha256(),
    startedAt: startedAt.toISOString(),
    seconds: (Date.now() - startedAt.getTime()) / 1_000,
    ...report,
  };
}

/** The checks the API applies, from this repository's content: rows it would reject are reported without a call. */
export function localRules(): UpsertRules {
  return { fields: attributeFields(), topics: emailTopics, isDisposable: disposableDomains() };
}

/**
 * Batches to `POST /contacts/import`. A dropped connection, 429 or 5xx is retried (rows a lost answer had written
 * come back `unchanged`); 401, 404 and other refusals stop the run with what to do.
 */
export function httpWriter(url: string, token: string, attempts = 6): ImportWriter {
  const endpoint = `${url.replace(/\/+$/, '')}/contacts/import`;
  return {
    async write(rows) {
      const body = rows.map(({ row, contact }) => JSON.stringify({ row, contact })).join('\n');
      for (let attempt = 1; ; attempt++) {
        let response: Response;
        try {
          response = await fetch(endpoint, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
            body,
            signal: AbortSignal.timeout(60_000),
          });
        } catch (error) {
          if (attempt >= attempts) throw new ImportRequestFailed(`${endpoint} could not be reached: ${error instanceof Error ? error.message : String(error)}`);
          await sleep(250 * 2 ** attempt);
          continue;
        }
        if (response.ok) {
          const answer = ImportAnswer.safeParse(await response.json().catch(() => undefined));
          if (!answer.success || answer.data.results.length !== rows.length) throw new ImportRequestFailed(`${endpoint} gave an answer that is not an import result`);
          return answer.data.results;
        }
        const text = await response.text().catch(() => '');
        if ((response.status === 429 || response.status >= 500) && attempt < attempts) {
          await sleep(250 * 2 ** attempt);
          continue;
        }
        if (response.status === 401) throw new ImportRequestFailed('the API key was refused (401): set NURTURE_API_KEY to a key of this API (npm run keys -- create)');
        if (response.status === 403) throw new ImportRequestFailed('the API key lacks the contacts:write scope (403)');
        if (response.status === 404) throw new ImportRequestFailed(`${endpoint} does not exist (404): is this a Nurture API with imports?`);
        throw new ImportRequestFailed(`${endpoint} answered ${response.status}: ${text.slice(0, 300)}`);
      }
    },
  };
}

/** The `import` subcommand: parses its arguments, runs the import, prints the report. Returns the exit code. */
export async function importCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        map: { type: 'string', multiple: true },
        topic: { type: 'string' },
        'consent-column': { type: 'string' },
        basis: { type: 'string' },
        source: { type: 'string' },
        'confirm-emails': { type: 'boolean' },
        format: { type: 'string' },
        delimiter: { type: 'string' },
        report: { type: 'string' },
        url: { type: 'string' },
        'batch-size': { type: 'string' },
        concurrency: { type: 'string' },
      },
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${importUsage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const file = positionals[0];
  const format = values.format;
  const batchSize = Number(values['batch-size'] ?? 100);
  const concurrency = Number(values.concurrency ?? 2);
  const problems = [
    ...(file && positionals.length === 1 ? [] : ['give one file to import']),
    ...(format === undefined || format === 'csv' || format === 'ndjson' ? [] : ['--format is csv or ndjson']),
    ...(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= MAX_IMPORT_ROWS ? [] : [`--batch-size is 1 to ${MAX_IMPORT_ROWS}`]),
    ...(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 64 ? [] : ['--concurrency is 1 to 64']),
    ...(values.url && !env.NURTURE_API_KEY ? ['--url needs an API key with the contacts:write scope in NURTURE_API_KEY'] : []),
  ];
  let map: Record<string, string> = {};
  try {
    map = parseColumnMap(values.map ?? []);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0) {
    console.error(`${problems.join('\n')}\n\n${importUsage}`);
    return 2;
  }
  const settings: ImportSettings = {
    map,
    ...(values.topic !== undefined ? { topic: values.topic } : {}),
    ...(values['consent-column'] !== undefined ? { consentColumn: values['consent-column'] } : {}),
    basis: (values.basis ?? 'import') as ConsentBasis,
    source: values.source ?? basename(file!),
    confirmEmails: values['confirm-emails'] === true,
  };
  const rules = localRules();
  const refused = checkSettings(settings, rules);
  if (refused.length > 0) {
    console.error(`${refused.join('\n')}\n\n${importUsage}`);
    return 2;
  }
  const url = values.url ?? `http://127.0.0.1:${env.PORT ?? '3000'}`;
  let lastProgress = Date.now();
  try {
    const report = await importFile({
      file: file!,
      url,
      token: env.NURTURE_API_KEY ?? LOCAL_API_KEY,
      settings,
      rules,
      ...(format ? { format: format as ImportFormat } : {}),
      ...(values.delimiter ? { delimiter: values.delimiter } : {}),
      batchSize,
      concurrency,
      onProgress: (done) => {
        if (Date.now() - lastProgress < 2_000) return;
        lastProgress = Date.now();
        console.error(`  … ${done} rows done`);
      },
    });
    console.log(
      `Imported ${report.file} into ${url}: ${report.rows} rows in ${report.seconds.toFixed(1)} s (${Math.round(report.rows / Math.max(report.seconds, 0.001))} rows/s)\n${formatReport(report)}`,
    );
    if (values.report) {
      await writeFile(values.report, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`\nReport written to ${values.report}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof InvalidImportSettings || error instanceof InvalidImportFile || error instanceof ImportRequestFailed) {
      console.error(`Import failed: ${error.message}`);
    } else if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      console.error(`Import failed: no such file: ${file}`);
    } else {
      console.error('Import failed:', error);
    }
    return 1;
  }
}
