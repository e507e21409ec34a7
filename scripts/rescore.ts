import { lifecycle, scoringRules } from '../functions/scoring/domain/content';
import { rescoreAll } from '../functions/scoring/rescore';
import { scriptTable } from './script-table';

/**
 * `npm run rescore [-- --dry-run]`: recomputes every contact's score and stage from its timeline with the current
 * content/scoring.yaml and content/lifecycle.yaml, and prints how many contacts change score and stage.
 *
 * Locally (default) it uses the `npm start` table in DynamoDB Local (`NURTURE_DYNAMODB_PORT`, table
 * `nurture-local`). Against AWS: `TABLE_NAME=<table> npm run rescore -- --aws` with your usual AWS credentials.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const args = new Set(process.argv.slice(2));
const dryRun = args.has('--dry-run');
const aws = args.has('--aws');
const { db, tableName, close } = scriptTable(aws);

const started = Date.now();
const summary = await rescoreAll({ db, tableName, rules: scoringRules, lifecycle, dryRun, now: new Date() }).catch((error: unknown) => {
  console.error(`Rescore failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
console.log(
  `${dryRun ? 'Dry run: would rescore' : 'Rescored'} ${summary.contacts} contact(s), ${summary.events} event(s), with scoring rules version ${String(scoringRules.version)} and funnel version ${String(lifecycle.version)} in ${((Date.now() - started) / 1000).toFixed(1)} s
  score changes: ${summary.scoreChanged}
  stage changes: ${summary.stageChanged} (${summary.stageForward} forward${dryRun ? '' : ', applied'}; ${summary.stageBackward} backward, never applied: stages only move forward)${dryRun ? '' : `\n  contacts written: ${summary.written}\n  conflicts with concurrent changes: ${summary.conflicts} (each re-read and recomputed)${summary.skipped ? `; ${summary.skipped} contact(s) still changing were left as they are: run rescore again` : ''}`}`,
);
close();
