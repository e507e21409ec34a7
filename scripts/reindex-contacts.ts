import { reindexAll } from '../functions/contacts/reindex';
import { lifecycle } from '../functions/scoring/domain/content';
import { scriptTable } from './script-table';

/**
 * `npm run reindex`: writes the search index entries (docs/contacts.md, "Finding contacts") of every contact
 * written before the index existed. Contacts written since are indexed as they are written; running it again
 * writes nothing.
 *
 * Locally (default) it uses the `npm start` table in DynamoDB Local (`NURTURE_DYNAMODB_PORT`, table
 * `nurture-local`). Against AWS: `TABLE_NAME=<table> npm run reindex -- --aws` with your usual AWS credentials.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const aws = process.argv.slice(2).includes('--aws');
const { db, tableName, close } = scriptTable(aws);

const summary = await reindexAll({ db, tableName, initialStage: lifecycle.initial }).catch((error: unknown) => {
  console.error(`Reindex failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
console.log(
  `Reindexed ${summary.contacts} contact(s): ${summary.written} written, ${summary.contacts - summary.written - summary.skipped} already indexed, ${summary.skipped} changing meanwhile (the reactor indexes those)`,
);
close();
