import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'yaml';
import { loadSegments, type Segment } from '../functions/segments/domain/segment-file';
import { previewSegment, rebuildSegments, shippedFunnel, sizeGauge } from '../functions/segments/rebuild';
import { segments } from '../functions/segments/segments';
import { scriptTable } from './script-table';

/**
 * `npm run segments -- preview <file> | rebuild [--dry-run] | list`:
 * - `preview <file>` checks a segment file that is not deployed yet and evaluates it over every contact by replaying
 *   their timelines, printing how many match and up to 10 of them (contact ids, with why they match);
 * - `rebuild` recomputes every contact's state in every shipped segment from its timeline, prints what differs from
 *   the stored states and, unless `--dry-run`, writes the rebuilt states and corrects the size gauges;
 * - `list` prints every shipped segment with its size.
 *
 * Locally (default) it uses the `npm start` table in DynamoDB Local (`NURTURE_DYNAMODB_PORT`, table
 * `nurture-local`). Against AWS: `TABLE_NAME=<table> npm run segments -- rebuild --aws` with your usual AWS credentials.
 * Output names contact ids, never emails.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const USAGE = 'usage: npm run segments -- preview <file> | rebuild [--dry-run] | list   [--aws]';
const argv = process.argv.slice(2);
const flags = new Set(argv.filter((arg) => arg.startsWith('--')));
const [command, file] = argv.filter((arg) => !arg.startsWith('--'));
const unknown = [...flags].filter((flag) => flag !== '--aws' && flag !== '--dry-run');
if (unknown.length || !command || !['preview', 'rebuild', 'list'].includes(command) || (command === 'preview' && !file)) {
  console.error(unknown.length ? `unknown option ${unknown.join(', ')}\n${USAGE}` : USAGE);
  process.exit(2);
}
const aws = flags.has('--aws');
const { db, tableName, close } = scriptTable(aws);

try {
  if (command === 'preview') await preview(file!);
  else if (command === 'rebuild') await rebuild(flags.has('--dry-run'));
  else await list();
} catch (error) {
  console.error(`segments ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  close();
}

function readSegment(path: string): Segment {
  let content: unknown;
  try {
    content = parse(readFileSync(path, 'utf8'), { prettyErrors: true });
  } catch (error) {
    throw new Error(`${path} is not a readable YAML file: ${error instanceof Error ? error.message : String(error)}`);
  }
  return [...loadSegments({ [basename(path)]: content }).values()][0]!;
}

async function preview(path: string) {
  const segment = readSegment(path);
  const started = Date.now();
  const result = await previewSegment({ db, tableName: tableName!, segment, now: new Date(), funnel: shippedFunnel });
  console.log(`Segment "${segment.id}" (${segment.name}) is valid.`);
  console.log(`${result.matching} of ${result.contacts} contact(s) match, replayed in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  for (const { contactId, reason } of result.sample) console.log(`  ${contactId}  ${reason}`);
  if (segments.has(segment.id)) console.log(`(A shipped segment has this id: its stored members are not changed by a preview.)`);
}

async function rebuild(dryRun: boolean) {
  const started = Date.now();
  const summary = await rebuildSegments({ db, tableName: tableName!, segments, funnel: shippedFunnel, now: new Date(), dryRun });
  console.log(
    `${dryRun ? 'Dry run: replayed' : 'Rebuilt from'} ${summary.contacts} contact(s), ${summary.events} event(s), ${segments.size} segment(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  console.log(`  differences: ${summary.differences.length}${dryRun ? '' : ` (${summary.written} item(s) written)`}`);
  for (const difference of summary.differences.slice(0, 50)) {
    const what = difference.kind === 'changed' ? `${difference.fields.join(', ')} differ` : difference.kind === 'missing' ? 'no stored state' : 'stored state the timeline does not give';
    const member = (state: typeof difference.stored) => (state ? (state.member ? `member since ${state.since}` : 'not a member') : '-');
    console.log(`  ${difference.contactId} ${difference.segmentId}: ${what} (stored: ${member(difference.stored)}; rebuilt: ${member(difference.rebuilt)})`);
  }
  if (summary.differences.length > 50) console.log(`  … and ${summary.differences.length - 50} more`);
  for (const [segmentId, { members, gauge }] of summary.sizes) {
    if (members !== gauge) console.log(`  size of ${segmentId}: gauge ${gauge}, members ${members}${dryRun ? '' : ' (corrected)'}`);
  }
}

async function list() {
  for (const segment of segments.values()) {
    const size = await sizeGauge({ db, tableName: tableName! }, segment.id);
    console.log(`${segment.id.padEnd(32)} ${String(size).padStart(8)}  ${segment.name}`);
  }
}
