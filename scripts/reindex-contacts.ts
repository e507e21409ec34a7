import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { reindexAll } from '../functions/contacts/reindex';
import { lifecycle } from '../functions/scoring/domain/content';
import { localCredentials, localRegion } from '../local/dynamodb-local';

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
const tableName = process.env.TABLE_NAME ?? (aws ? undefined : 'nurture-local');
if (!tableName) {
  console.error('TABLE_NAME is required with --aws');
  process.exit(2);
}
const client = aws
  ? new DynamoDBClient({})
  : new DynamoDBClient({
      endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? `http://127.0.0.1:${process.env.NURTURE_DYNAMODB_PORT ?? '8000'}`,
      region: localRegion,
      credentials: localCredentials,
    });
const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

const summary = await reindexAll({ db, tableName, initialStage: lifecycle.initial }).catch((error: unknown) => {
  console.error(`Reindex failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
console.log(
  `Reindexed ${summary.contacts} contact(s): ${summary.written} written, ${summary.contacts - summary.written - summary.skipped} already indexed, ${summary.skipped} changing meanwhile (the reactor indexes those)`,
);
client.destroy();
