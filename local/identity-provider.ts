import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { ROLES, type Role } from '../functions/access/domain/roles';
import { localCredentials } from './dynamodb-local';
import { freePort } from './ports';

/** The user pool and app client the local runtime creates in cognito-local, found again by name on the next start. */
export const LOCAL_POOL_NAME = 'nurture-console';
export const LOCAL_CLIENT_NAME = 'console';
/** cognito-local answers any region; its pool ids read `local_…`. */
export const LOCAL_IDENTITY_REGION = 'local';
/** The local users' password when `NURTURE_CONSOLE_PASSWORD` is unset: local only, printed in the banner. */
export const LOCAL_CONSOLE_PASSWORD = 'Local-console-password-1';

/** The local identity provider as the console, the authorizer, scripts and tests reach it. */
export interface LocalIdentity {
  /** cognito-local's endpoint: the Cognito user-pool API (`POST /` with `x-amz-target`), CORS open to any origin. */
  readonly endpoint: string;
  readonly region: string;
  readonly userPoolId: string;
  /** The console's public app client (no secret): USER_PASSWORD_AUTH and refresh tokens. */
  readonly clientId: string;
  /** Tokens' `iss`, and where their signing keys are. */
  readonly issuer: string;
  readonly jwksUri: string;
  /** One local user per role, each named after it and in its group. */
  readonly users: readonly { readonly username: Role; readonly role: Role }[];
  /** Their password (`NURTURE_CONSOLE_PASSWORD`, else {@link LOCAL_CONSOLE_PASSWORD}). */
  readonly password: string;
}

export interface IdentityProviderOptions {
  /** 0 picks a free one. */
  readonly port: number;
  /** Where cognito-local keeps its pools and users; null: a temporary directory removed on stop. */
  readonly dataDir: string | null;
  readonly password: string;
}

/**
 * Starts cognito-local (a Cognito user-pool emulator: InitiateAuth, RespondToAuthChallenge, admin calls, JWKS) as a
 * child process, since it reads its port and data directory from its process's environment and working directory.
 * Then makes sure the console's pool, app client, the three role groups and one user per role exist, each user with
 * `password` set permanently (no forced change at first sign-in), so every start signs in the same way.
 */
export async function startIdentityProvider(options: IdentityProviderOptions): Promise<LocalIdentity & { stop(): Promise<void> }> {
  const port = options.port === 0 ? await freePort() : options.port;
  const temporary = options.dataDir === null ? mkdtempSync(join(tmpdir(), 'nurture-cognito-')) : undefined;
  const workDir = options.dataDir ?? temporary!;
  const endpoint = `http://127.0.0.1:${port}`;
  mkdirSync(join(workDir, '.cognito'), { recursive: true });
  // Tokens name the address the runtime reaches it at (the default is localhost:9229 whatever the port); users sign in
  // by username (its default pool wants emails).
  writeFileSync(join(workDir, '.cognito', 'config.json'), JSON.stringify({ TokenConfig: { IssuerDomain: endpoint }, UserPoolDefaults: { UsernameAttributes: [] } }, null, 2));

  const start = join(dirname(createRequire(import.meta.url).resolve('cognito-local/package.json')), 'lib/bin/start.js');
  // Its own log lines may name users: they are not passed on.
  const child: ChildProcess = spawn(process.execPath, [start], {
    cwd: workDir,
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1' },
    stdio: 'ignore',
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit').catch(() => undefined);
    }
    if (temporary) rmSync(temporary, { recursive: true, force: true });
  };
  try {
    await waitForHealth(endpoint, child);
    const client = new CognitoIdentityProviderClient({ endpoint, region: LOCAL_IDENTITY_REGION, credentials: localCredentials });
    try {
      const { userPoolId, clientId } = await ensurePool(client);
      const users = ROLES.map((role) => ({ username: role, role }));
      for (const role of ROLES) await ignoreExists(client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: role })));
      for (const user of users) await ensureUser(client, userPoolId, user.username, user.role, options.password);
      const issuer = `${endpoint}/${userPoolId}`;
      return { endpoint, region: LOCAL_IDENTITY_REGION, userPoolId, clientId, issuer, jwksUri: `${issuer}/.well-known/jwks.json`, users, password: options.password, stop };
    } finally {
      client.destroy();
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForHealth(endpoint: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`cognito-local exited (code ${child.exitCode}); is its port taken? (NURTURE_COGNITO_PORT)`);
    const ok = await fetch(`${endpoint}/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`cognito-local did not answer at ${endpoint}/health within 20 s`);
}

async function ensurePool(client: CognitoIdentityProviderClient): Promise<{ userPoolId: string; clientId: string }> {
  const pools = await client.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  const userPoolId =
    pools.UserPools?.find((pool) => pool.Name === LOCAL_POOL_NAME)?.Id ??
    (await client.send(new CreateUserPoolCommand({ PoolName: LOCAL_POOL_NAME }))).UserPool?.Id;
  if (!userPoolId) throw new Error('cognito-local created no user pool');
  const clients = await client.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }));
  const clientId =
    clients.UserPoolClients?.find((c) => c.ClientName === LOCAL_CLIENT_NAME)?.ClientId ??
    (
      await client.send(
        new CreateUserPoolClientCommand({
          UserPoolId: userPoolId,
          ClientName: LOCAL_CLIENT_NAME,
          GenerateSecret: false,
          ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
          AccessTokenValidity: 1,
          RefreshTokenValidity: 30,
          TokenValidityUnits: { AccessToken: 'hours', RefreshToken: 'days' },
        }),
      )
    ).UserPoolClient?.ClientId;
  if (!clientId) throw new Error('cognito-local created no app client');
  return { userPoolId, clientId };
}

async function ensureUser(client: CognitoIdentityProviderClient, userPoolId: string, username: string, group: Role, password: string): Promise<void> {
  const exists = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username })).then(
    () => true,
    (error: unknown) => {
      if (error instanceof Error && error.name === 'UserNotFoundException') return false;
      throw error;
    },
  );
  if (!exists) {
    await client.send(new AdminCreateUserCommand({ UserPoolId: userPoolId, Username: username, TemporaryPassword: password, MessageAction: 'SUPPRESS' }));
  }
  // Permanent: no NEW_PASSWORD_REQUIRED at sign-in, and a changed NURTURE_CONSOLE_PASSWORD applies on the next start.
  await client.send(new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: username, Password: password, Permanent: true }));
  await client.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: username, GroupName: group }));
}

async function ignoreExists(call: Promise<unknown>): Promise<void> {
  await call.catch((error: unknown) => {
    if (!(error instanceof Error && error.name === 'GroupExistsException')) throw error;
  });
}
