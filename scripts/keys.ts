import { parseArgs } from 'node:util';
import { createKey, NewKey } from '../functions/access/create-key';
import { isKeyId, SCOPES } from '../functions/access/domain/access';
import { DynamoApiKeys } from '../functions/access/dynamo-api-keys';
import { describeFieldErrors, fieldErrors } from '../functions/shared/validation';
import { scriptTable } from './script-table';

/**
 * `npm run keys -- create --name <name> --scopes a,b [--expires 90d] | list | revoke <keyId>   [--aws]`: API keys,
 * straight in the table. `create` prints the key once (only its hash is stored); `list` prints every key without
 * a secret; `revoke` refuses a key from the next request on (API Gateway may keep a verdict up to a minute).
 *
 * Locally (default) it works on the `npm start` table in DynamoDB Local (`NURTURE_DYNAMODB_PORT`, table
 * `nurture-local`). Against AWS: `TABLE_NAME=<table> npm run keys -- create … --aws` with your usual AWS
 * credentials (the stack's `TableName` output); or call `POST /keys` with the admin token.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const USAGE = `usage: npm run keys -- create --name <name> --scopes <scope,scope> [--expires 90d] | list | revoke <keyId>   [--aws]
scopes: ${SCOPES.join(', ')} (admin implies all)`;

let parsed;
try {
  parsed = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { name: { type: 'string' }, scopes: { type: 'string' }, expires: { type: 'string' }, aws: { type: 'boolean' } },
  });
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
const { values, positionals } = parsed;
const [command, ...rest] = positionals;

const request =
  command === 'create'
    ? NewKey.safeParse({
        name: values.name,
        scopes: (values.scopes ?? '').split(',').map((scope) => scope.trim()).filter(Boolean),
        ...(values.expires !== undefined ? { expiresIn: values.expires } : {}),
      })
    : undefined;
const problem =
  command === 'create'
    ? rest.length > 0
      ? `create takes no positional argument (${rest.join(' ')})`
      : !request!.success
        ? describeFieldErrors(fieldErrors(request!.error))
        : undefined
    : command === 'list'
      ? rest.length > 0 ? 'list takes no argument' : undefined
      : command === 'revoke'
        ? rest.length !== 1 || !isKeyId(rest[0]!) ? 'revoke takes one key id (16 lowercase letters or digits, as `list` prints it)' : undefined
        : command === undefined ? 'no command' : `unknown command ${command}`;
if (problem) {
  console.error(`${problem}\n${USAGE}`);
  process.exit(2);
}

const { db, tableName, close } = scriptTable(values.aws === true);
const store = new DynamoApiKeys(db, tableName);
try {
  if (command === 'create' && request?.success) {
    const created = await createKey(store, request.data, 'cli', new Date());
    console.log(`Created key ${created.keyId} "${created.name}" (${created.scopes.join(', ')})${created.expiresOn ? `, expires ${created.expiresOn}` : ''}.`);
    console.log('Copy it now: it is shown only this once.');
    console.log(created.key);
  } else if (command === 'list') {
    const keys = await store.list();
    if (keys.length === 0) console.log('No keys.');
    for (const key of keys) {
      const status = key.revokedAt ? `revoked ${key.revokedAt}` : key.expiresOn && Date.parse(key.expiresOn) <= Date.now() ? `expired ${key.expiresOn}` : 'active';
      console.log(
        [key.keyId, JSON.stringify(key.name), key.scopes.join(','), status, `created ${key.createdAt}`, key.expiresOn ? `expires ${key.expiresOn}` : 'no expiry', key.lastUsedAt ? `last used ${key.lastUsedAt}` : 'never used'].join('  '),
      );
    }
  } else if (command === 'revoke') {
    const keyId = rest[0]!;
    if (await store.revoke(keyId, new Date().toISOString())) console.log(`Revoked key ${keyId}.`);
    else {
      console.error(`No key ${keyId}.`);
      process.exitCode = 1;
    }
  }
} catch (error) {
  console.error(`keys ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  close();
}
