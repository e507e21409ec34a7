import '../local/quiet-sdk-notice';
import { randomBytes, randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  ListUserPoolsCommand,
  paginateListUsers,
} from '@aws-sdk/client-cognito-identity-provider';
import { isRole, ROLES, type Role } from '../functions/access/domain/roles';
import { localCredentials } from '../local/dynamodb-local';
import { LOCAL_IDENTITY_REGION, LOCAL_POOL_NAME } from '../local/identity-provider';
import { localSettings } from '../local/settings';

/**
 * `npm run users -- create <username> --role viewer|marketer|admin [--email x] | list | set-role <username> <role> |
 * disable <username>   [--aws]`: the people who sign in to the console.
 *
 * Locally (default) against the `npm start` identity provider, cognito-local (`NURTURE_COGNITO_PORT`, the pool named
 * `nurture-console`). Against AWS: `USER_POOL_ID=<the stack's UserPoolId output> npm run users -- … --aws` with your
 * usual AWS credentials. `create` prints a temporary password once: the person sets their own at first sign-in.
 */

const USAGE = `usage: npm run users -- create <username> --role ${ROLES.join('|')} [--email <address>] | list | set-role <username> <role> | disable <username>   [--aws]`;

let parsed;
try {
  parsed = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { role: { type: 'string' }, email: { type: 'string' }, aws: { type: 'boolean' } },
  });
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
const { values, positionals } = parsed;
const [command, ...rest] = positionals;
const USERNAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;
const roleArg = command === 'create' ? values.role : command === 'set-role' ? rest[1] : undefined;

const problem =
  command === 'create'
    ? rest.length !== 1 || !USERNAME.test(rest[0]!)
      ? 'create takes one username'
      : !roleArg || !isRole(roleArg)
        ? `--role must be one of ${ROLES.join(', ')}`
        : values.email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(values.email)
          ? '--email is not an email address'
          : undefined
    : command === 'list'
      ? rest.length > 0 ? 'list takes no argument' : undefined
      : command === 'set-role'
        ? rest.length !== 2 || !isRole(rest[1]!) ? `set-role takes a username and a role (${ROLES.join(', ')})` : undefined
        : command === 'disable'
          ? rest.length !== 1 ? 'disable takes one username' : undefined
          : command === undefined ? 'no command' : `unknown command ${command}`;
if (problem) {
  console.error(`${problem}\n${USAGE}`);
  process.exit(2);
}

const aws = values.aws === true;
const client = aws
  ? new CognitoIdentityProviderClient({})
  : new CognitoIdentityProviderClient({
      endpoint: `http://127.0.0.1:${localSettings().NURTURE_COGNITO_PORT}`,
      region: LOCAL_IDENTITY_REGION,
      credentials: localCredentials,
    });

/** A temporary password that meets the pool's policy (14+ characters, upper, lower, digit, symbol). */
function temporaryPassword(): string {
  const symbols = '!@#%^*-_+=';
  return `${randomBytes(12).toString('base64url')}Aa${randomInt(10)}${symbols[randomInt(symbols.length)]}`;
}

async function poolId(): Promise<string> {
  if (aws) {
    const id = process.env.USER_POOL_ID;
    if (!id) throw new Error('USER_POOL_ID is not set (the stack output UserPoolId)');
    return id;
  }
  const pools = await client.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  const id = pools.UserPools?.find((pool) => pool.Name === LOCAL_POOL_NAME)?.Id;
  if (!id) throw new Error(`no ${LOCAL_POOL_NAME} pool in the local identity provider: is npm start running?`);
  return id;
}

async function setRole(UserPoolId: string, Username: string, role: Role): Promise<void> {
  const groups = await client.send(new AdminListGroupsForUserCommand({ UserPoolId, Username }));
  for (const group of groups.Groups ?? []) {
    if (group.GroupName && isRole(group.GroupName) && group.GroupName !== role) {
      await client.send(new AdminRemoveUserFromGroupCommand({ UserPoolId, Username, GroupName: group.GroupName }));
    }
  }
  await client.send(new AdminAddUserToGroupCommand({ UserPoolId, Username, GroupName: role }));
}

try {
  const UserPoolId = await poolId();
  if (command === 'create') {
    const Username = rest[0]!;
    const password = temporaryPassword();
    await client.send(
      new AdminCreateUserCommand({
        UserPoolId,
        Username,
        TemporaryPassword: password,
        // The admin hands the password over; Cognito sends no invitation.
        MessageAction: 'SUPPRESS',
        ...(values.email ? { UserAttributes: [{ Name: 'email', Value: values.email }, { Name: 'email_verified', Value: 'true' }] } : {}),
      }),
    );
    await setRole(UserPoolId, Username, roleArg as Role);
    console.log(`Created ${Username} (${roleArg as Role}). Temporary password, shown only this once (a new one is set at first sign-in):`);
    console.log(password);
  } else if (command === 'list') {
    for await (const page of paginateListUsers({ client }, { UserPoolId })) {
      for (const user of page.Users ?? []) {
        const groups = await client.send(new AdminListGroupsForUserCommand({ UserPoolId, Username: user.Username! }));
        const roles = (groups.Groups ?? []).map((group) => group.GroupName ?? '').filter(isRole);
        console.log([user.Username, roles.join(',') || '(no role)', user.Enabled === false ? 'disabled' : 'enabled', user.UserStatus ?? ''].join('  '));
      }
    }
  } else if (command === 'set-role') {
    await setRole(UserPoolId, rest[0]!, rest[1] as Role);
    console.log(`${rest[0]!} is now ${rest[1]!} (from their next sign-in or token refresh).`);
  } else if (command === 'disable') {
    await client.send(new AdminDisableUserCommand({ UserPoolId, Username: rest[0]! }));
    console.log(`Disabled ${rest[0]!}: no new sign-in or refresh (an access token already issued lasts until it expires, 1 hour at most).`);
  }
} catch (error) {
  console.error(`users ${command} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  process.exitCode = 1;
} finally {
  client.destroy();
}
