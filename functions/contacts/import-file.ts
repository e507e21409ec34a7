import * as z from 'zod';
import { checkSettings, parseColumnMap, type ConsentBasis, type ImportSettings } from './domain/import';
import type { FileImportReport } from './domain/import-report';
import { InvalidImportSettings, directWriter, runImport } from './import';
import { IMPORTS_PREFIX, REPORTS_PREFIX } from './import-bucket';
import type { ImportFiles } from './import-files';
import { InvalidImportFile, formatOf, hashing, openImportSource, type ImportFormat } from './import-source';
import type { UpsertingDeps } from './upsert';

export { IMPORTS_PREFIX, REPORTS_PREFIX };

/** S3's "Object Created" event, as EventBridge delivers it (the rule narrows it to the bucket and the prefix). */
export const ObjectCreated = z.object({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  detail: z.object({ bucket: z.object({ name: z.string() }), object: z.object({ key: z.string() }) }),
});
export type ObjectCreated = z.infer<typeof ObjectCreated>;

/** Where the report of `imports/<name>` is written: `reports/<name>.report.json`. */
export function reportKey(key: string): string {
  return `${REPORTS_PREFIX}${key.slice(IMPORTS_PREFIX.length)}.report.json`;
}

/**
 * A dropped file's settings, from its user metadata (`aws s3 cp list.csv s3://<bucket>/imports/ --metadata
 * topic=newsletter,consent-column=consent`): the CLI's options without their dashes.
 */
export function settingsOf(metadata: Readonly<Record<string, string>>, fileName: string): ImportSettings {
  return {
    map: parseColumnMap(metadata.map ? [metadata.map] : []),
    ...(metadata.topic ? { topic: metadata.topic } : {}),
    ...(metadata['consent-column'] ? { consentColumn: metadata['consent-column'] } : {}),
    basis: (metadata.basis ?? 'import') as ConsentBasis,
    source: metadata.source ?? fileName,
    confirmEmails: metadata['confirm-emails'] === 'true',
  };
}

/** `concurrency`: rows upserted at once, 16 unless set. */
export interface ImportFileDeps extends UpsertingDeps {
  readonly files: ImportFiles;
}

/**
 * A file dropped in the import bucket: streamed and imported as `npm run contacts -- import` imports it (the same
 * core, writing through the upsert directly), its report written to `reports/`. A file that cannot be imported gets a
 * report with the error and is not retried; any other failure is thrown, so the event is retried, and the rows the
 * failed attempt wrote come back unchanged.
 */
export const makeImportFile =
  (deps: ImportFileDeps) =>
  async (raw: unknown): Promise<void> => {
    const event = ObjectCreated.parse(raw);
    const key = event.detail.object.key;
    if (!key.startsWith(IMPORTS_PREFIX)) return;
    const object = await deps.files.open(key);
    if (!object) {
      deps.logger.warn('import file gone before it was read', { key });
      return;
    }
    const file = key.slice(key.lastIndexOf('/') + 1);
    const startedAt = deps.clock.now();
    const concurrency = deps.concurrency ?? 16;
    const format = (object.metadata.format ?? formatOf(key)) as ImportFormat | undefined;
    try {
      if (format !== 'csv' && format !== 'ndjson') throw new InvalidImportFile(`cannot tell the format of ${file}: name it .csv or .ndjson, or set the metadata format`);
      const settings = settingsOf(object.metadata, file);
      const problems = checkSettings(settings, deps.rules);
      if (problems.length > 0) throw new InvalidImportSettings(problems.join('\n'));
      const bytes = hashing(object.body);
      const source = await openImportSource(bytes.chunks, format, object.metadata.delimiter ? { delimiter: object.metadata.delimiter } : {});
      const report = await runImport({
        source,
        settings,
        rules: deps.rules,
        writer: directWriter(deps, 1),
        batchSize: 1,
        inFlight: concurrency,
      });
      const full: FileImportReport = {
        file,
        format,
        sha256: bytes.sha256(),
        startedAt: startedAt.toISOString(),
        seconds: (deps.clock.now().getTime() - startedAt.getTime()) / 1_000,
        ...report,
      };
      await deps.files.putReport(reportKey(key), `${JSON.stringify(full, null, 2)}\n`);
      deps.logger.info('import finished', {
        key,
        rows: report.rows,
        created: report.created.count,
        updated: report.updated.count,
        unchanged: report.unchanged.count,
        rejected: report.rejected.count,
      });
    } catch (error) {
      if (!(error instanceof InvalidImportFile || error instanceof InvalidImportSettings)) throw error;
      await deps.files.putReport(reportKey(key), `${JSON.stringify({ file, startedAt: startedAt.toISOString(), error: error.message }, null, 2)}\n`);
      deps.logger.warn('import file refused', { key, error: error.message });
    }
  };
