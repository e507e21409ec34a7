import './pinpoint/sdk-notice';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LOCAL_API_KEY } from '../local/settings';
import { runImport, type ImportWriter } from '../functions/contacts/import';
import { formatReport } from '../functions/contacts/domain/import-report';
import { openImportSource } from '../functions/contacts/import-source';
import { httpWriter, localRules } from './contacts-import';
import { reportMarkdown } from './pinpoint/report';
import { ENDPOINT_IMPORT_SETTINGS, InvalidPinpointExport, endpointNdjson, readExport, translateExport, writeTranslation } from './pinpoint/run';

/** This project: an import into it rebuilds the modules generated from its content. */
const projectRoot = resolve(import.meta.dirname, '..');

/**
 * `npm run import -- pinpoint <dir> [--out <root>] [--dry-run] [--topic <topic>] [--subscribe <topic>] [--url <api>]`:
 * imports an Amazon Pinpoint export (docs/pinpoint.md): journeys, segments and templates become files under the root
 * (the project by default); endpoints become contacts through the contacts import (`POST /contacts/import` of a
 * running Nurture: locally `npm start`, deployed `--url` with a `contacts:write` key in NURTURE_API_KEY). Writes
 * pinpoint-import-report.md/.json under the root. `--dry-run` writes nothing and prints the report.
 */
export const usage = `Usage: npm run import -- pinpoint <export dir> [options]

  --out <root>          where to write statemachines/ and content/ (default: the project root)
  --dry-run             translate and print the report; write nothing, import no contact
  --topic <topic>       the email topic of imported journeys and email templates (default: the first of content/email.yaml)
  --subscribe <topic>   subscribe active, not opted-out email addresses to this topic (Pinpoint keeps no consent record)
  --url <base url>      the API the endpoints are imported into (default http://127.0.0.1:$PORT; key in NURTURE_API_KEY)
  --skip-endpoints      do not import endpoints (the files are still translated)`;

/** Runs the command; returns the exit code. */
export async function importCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env, writer?: ImportWriter): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        topic: { type: 'string' },
        subscribe: { type: 'string' },
        url: { type: 'string' },
        'skip-endpoints': { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals[0] !== 'pinpoint' || positionals.length !== 2) {
    console.error(`${positionals[0] && positionals[0] !== 'pinpoint' ? `"${positionals[0]}" is not a source this command imports (pinpoint)\n\n` : ''}${usage}`);
    return 2;
  }
  const root = resolve(values.out ?? resolve(import.meta.dirname, '..'));
  const rules = localRules();
  for (const [flag, topic] of [['--topic', values.topic], ['--subscribe', values.subscribe]] as const) {
    if (topic !== undefined && !rules.topics.has(topic)) {
      console.error(`${flag} must be one of: ${[...rules.topics].join(', ')}`);
      return 2;
    }
  }
  let translation;
  try {
    translation = translateExport(readExport(resolve(positionals[1]!)), {
      root,
      ...(values.topic ? { topic: values.topic } : {}),
      ...(values.subscribe ? { subscribe: values.subscribe } : {}),
    });
  } catch (error) {
    if (error instanceof InvalidPinpointExport) {
      console.error(`Import failed, nothing written: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const { report } = translation;
  const summary = `${report.counts.translated} translated, ${report.counts.approximated} approximated, ${report.counts.not_translated} not translated`;
  if (values['dry-run']) {
    console.log(reportMarkdown(report));
    console.log(`Dry run: nothing written. ${summary}.`);
    return report.problems.length > 0 ? 1 : 0;
  }
  const written = writeTranslation(translation, root);
  console.log(`Pinpoint import into ${root}: ${summary}; ${written.length} files written (${translation.files.size + 2 - written.length} unchanged). Report: pinpoint-import-report.md`);
  if (report.problems.length > 0) console.error(`Problems to fix before deploying:\n${report.problems.map((p) => `  - ${p}`).join('\n')}`);
  if (written.length > 0) rebuildGenerated(root);

  const rows = translation.endpoints?.rows ?? [];
  if (rows.length > 0 && !values['skip-endpoints']) {
    const url = values.url ?? `http://127.0.0.1:${env.PORT ?? '3000'}`;
    try {
      const result = await runImport({
        source: await openImportSource([endpointNdjson(rows)], 'ndjson'),
        settings: { ...ENDPOINT_IMPORT_SETTINGS, map: { ...ENDPOINT_IMPORT_SETTINGS.map } },
        rules,
        writer: writer ?? httpWriter(url, env.NURTURE_API_KEY ?? LOCAL_API_KEY),
        batchSize: 100,
        inFlight: 2,
      });
      console.log(`Endpoints imported into ${writer ? 'the table' : url}: ${rows.length} contacts\n${formatReport(result)}`);
    } catch (error) {
      console.error(`Endpoint import failed (files were written): ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
  }
  return report.problems.length > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.exitCode = await importCommand(process.argv.slice(2));
}

/**
 * The functions bundle modules generated from the content (compiled email templates, SMS templates, journeys,
 * segments): rebuilt after an import into this project, as after any content edit, so `npm start` and `cdk synth`
 * send the imported templates. Another root is told what to run there.
 */
function rebuildGenerated(root: string): void {
  if (resolve(root) !== projectRoot) {
    console.log(`Then, in ${root}: npm run email -- build && npm run content`);
    return;
  }
  for (const args of [['run', '--silent', 'email', '--', 'build'], ['run', '--silent', 'content']]) execFileSync('npm', args, { cwd: projectRoot, stdio: 'inherit' });
  console.log('Generated modules rebuilt (npm run email -- build, npm run content); restart npm start to load the imported journeys and templates.');
}
