import { countingRules } from '../functions/capabilities';
import { formatTable, toCsv } from '../functions/reports/domain/reports';
import { DynamoMetrics } from '../functions/reports/dynamo-metrics';
import { DynamoPrograms } from '../functions/reports/dynamo-programs';
import { filePrograms } from '../functions/reports/program-content';
import { differingItems, rebuildFromTable, storedCounters, withoutZeros, writeRebuild } from '../functions/reports/rebuild';
import { REPORT_NAMES, ReportQuery, runReport, type ReportName } from '../functions/reports/reports';
import { lifecycle } from '../functions/scoring/domain/content';
import { journeys } from '../functions/journeys/journeys';
import { scriptTable } from './script-table';

/**
 * `npm run reports -- <name> [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--granularity day|week|month] [--by source|medium|campaign|form|version]
 * [--touch first|last] [--stalled-days 14] [--csv]`: prints a report as a table (the same as `GET /reports/{name}`).
 * `npm run reports -- rebuild [--dry-run]`: recomputes every counter from the timelines (stop the reactor first).
 *
 * Locally (default) it uses the `npm start` table in DynamoDB Local. Against AWS: `TABLE_NAME=<table> npm run
 * reports -- <name> --aws` with your usual AWS credentials.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const [command, ...rest] = process.argv.slice(2);
const flags = new Map<string, string>();
for (let i = 0; i < rest.length; i++) {
  const name = rest[i]!.replace(/^--/, '');
  const next = rest[i + 1];
  if (next !== undefined && !next.startsWith('--')) flags.set(name, rest[++i]!);
  else flags.set(name, 'true');
}
if (!command || (command !== 'rebuild' && !(REPORT_NAMES as readonly string[]).includes(command))) {
  console.error(`Usage: npm run reports -- <${REPORT_NAMES.join('|')}> [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--granularity day|week|month] [--csv]\n       npm run reports -- rebuild [--dry-run]`);
  process.exit(2);
}
const aws = flags.has('aws');
const { db, tableName, close } = scriptTable(aws);

try {
  if (command === 'rebuild') {
    const started = Date.now();
    const rebuilt = await rebuildFromTable(db, tableName, countingRules);
    const live = storedCounters(rebuilt.existing);
    const fresh = withoutZeros(rebuilt.counters);
    const differing = differingItems(live, fresh).length;
    if (!flags.has('dry-run')) await writeRebuild(db, tableName, rebuilt);
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `${flags.has('dry-run') ? 'Dry run: would rebuild' : 'Rebuilt'} ${fresh.size} counter item(s) from ${rebuilt.events} event(s) of ${rebuilt.contacts} contact(s) in ${seconds.toFixed(1)} s (${Math.round(rebuilt.events / Math.max(seconds, 0.001))} events/s)\n  items that differed from the live counters: ${differing}`,
    );
  } else {
    const to = flags.get('to') ?? new Date().toISOString().slice(0, 10);
    const from = flags.get('from') ?? new Date(Date.parse(to) - 29 * 86_400_000).toISOString().slice(0, 10);
    const query = ReportQuery.parse({
      from,
      to,
      granularity: flags.get('granularity'),
      stalledDays: flags.get('stalled-days'),
      by: flags.get('by'),
      touch: flags.get('touch'),
    });
    const table = await runReport(command as ReportName, query, {
      metrics: new DynamoMetrics(db, tableName),
      programs: new DynamoPrograms(db, tableName),
      filePrograms,
      funnel: { stages: lifecycle.stages.map((stage) => stage.id), sideStages: lifecycle.sideStages.map((stage) => stage.id) },
      journeys,
    });
    if (flags.has('csv')) process.stdout.write(toCsv(table));
    else console.log(`${command} ${query.from} → ${query.to} (${query.granularity ?? 'whole range'})\n\n${formatTable(table)}`);
  }
} catch (error) {
  console.error(`reports ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  close();
}
