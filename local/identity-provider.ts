import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
  DeleteUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { ROLES, type Role } from '../functions/access/domain/roles';
import { localCredentials } from './dynamodb-local';
import { createLogger, scrubText } from '../functions/shared/logger';
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
  /**
   * A cognito-local already running (the test run's one, {@link startCognitoLocal}) to use instead of starting one: the
   * caller gets a pool of its own there, under a name no other caller has, so nobody sees another's people; `port` and
   * `dataDir` do not apply, and stop deletes that pool but leaves the process running.
   * @default undefined (starts its own, with the pool named {@link LOCAL_POOL_NAME})
   */
  readonly endpoint?: string;
}

/** A running cognito-local process, without any pool yet. */
export interface CognitoLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts cognito-local as a child process and waits until it answers; `startIdentityProvider` then provisions a pool
 * in it. The test run starts one of these for every runtime of the run to share (tests/support/global-setup.ts): each
 * start is a Node process loading its dependencies, and every runtime test file paid for one.
 */
export async function startCognitoLocal(options: { readonly port: number; readonly dataDir: string | null }): Promise<CognitoLocal> {
  try {
    return await startOnSomePort(options);
  } catch (error) {
    const saved = options.dataDir === null ? undefined : join(options.dataDir, '.cognito');
    if (!(error instanceof CognitoExitedEarly) || !saved || !existsSync(saved)) throw error;
    // Its saved users and pools could not be read (a file cut short when it was stopped mid-write): they are only the
    // console's local users, recreated at every start, so it starts afresh; the old folder is kept beside for a look.
    const aside = `${saved}.unreadable-${Date.now()}`;
    renameSync(saved, aside);
    createLogger('local-identity').warn('cognito-local could not start on its saved data; started afresh (console users are recreated)', { reason: error.message, keptAt: aside });
    return startOnSomePort(options);
  }
}

async function startOnSomePort(options: { readonly port: number; readonly dataDir: string | null }): Promise<CognitoLocal> {
  if (options.port !== 0) return startCognitoLocalOn(options.port, options.dataDir);
  // A free port is only free until the child binds it: another process of a busy test run may take it first. The
  // child then exits at once (EADDRINUSE), and a fresh port is tried.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startCognitoLocalOn(await freePort(), options.dataDir);
    } catch (error) {
      if (!(error instanceof CognitoExitedEarly) || attempt === 3) throw error;
    }
  }
}

/** cognito-local exited before answering: most often, its port was taken. */
class CognitoExitedEarly extends Error {
  override readonly name = 'CognitoExitedEarly';
}

async function startCognitoLocalOn(port: number, dataDir: string | null): Promise<CognitoLocal> {
  const options = { port, dataDir };
  const temporary = options.dataDir === null ? mkdtempSync(join(tmpdir(), 'nurture-cognito-')) : undefined;
  const workDir = options.dataDir ?? temporary!;
  const endpoint = `http://127.0.0.1:${port}`;
  mkdirSync(join(workDir, '.cognito'), { recursive: true });
  // Tokens name the address the runtime reaches it at (the default is localhost:9229 whatever the port); users sign in
  // by username (its default pool wants emails).
  writeFileSync(join(workDir, '.cognito', 'config.json'), JSON.stringify({ TokenConfig: { IssuerDomain: endpoint }, UserPoolDefaults: { UsernameAttributes: [] } }, null, 2));

  const start = join(dirname(createRequire(import.meta.url).resolve('cognito-local/package.json')), 'lib/bin/start.js');
  // Its own log lines may name users: they are not passed on. The last of them are kept, scrubbed, to say why it
  // exited if it does before answering; the rest are read and dropped (a full pipe would stall it).
  const child: ChildProcess = spawn(process.execPath, [start], {
    cwd: workDir,
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-2_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Colour codes out (ESC [ … m), then the first line naming an error (its logger prints an error over many lines).
  const reason = () => {
    const lines = tail.replaceAll(String.fromCharCode(27), '').replace(/\[[0-9;]*m/g, '').split('\n').map((line) => line.trim()).filter(Boolean);
    return scrubText(lines.find((line) => /error/i.test(line)) ?? lines.at(-1) ?? '').slice(0, 300);
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit').catch(() => undefined);
    }
    if (temporary) rmSync(temporary, { recursive: true, force: true });
  };
  try {
    await waitForHealth(endpoint, child, reason);
    return { endpoint, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Starts cognito-local (a Cognito user-pool emulator: InitiateAuth, RespondToAuthChallenge, admin calls, JWKS) as a
 * child process, since it reads its port and data directory from its process's environment and working directory,
 * or uses the one at `options.endpoint`. Then makes sure the console's pool, app client, the three role groups and one
 * user per role exist, each user with `password` set permanently (no forced change at first sign-in), so every start
 * signs in the same way.
 */
export async function startIdentityProvider(options: IdentityProviderOptions): Promise<LocalIdentity & { stop(): Promise<void> }> {
  const shared = options.endpoint !== undefined;
  const cognito: CognitoLocal = shared ? { endpoint: options.endpoint!, stop: async () => undefined } : await startCognitoLocal(options);
  const endpoint = cognito.endpoint;
  // A shared process holds other callers' pools: this caller's is new, and named for it alone.
  const poolName = shared ? `${LOCAL_POOL_NAME}-${randomUUID()}` : LOCAL_POOL_NAME;
  const client = new CognitoIdentityProviderClient({ endpoint, region: LOCAL_IDENTITY_REGION, credentials: localCredentials });
  let userPoolId: string | undefined;
  const stop = async () => {
    if (shared && userPoolId) {
      // The shared process outlives this caller: its pool goes, so the process does not grow with every runtime.
      const remover = new CognitoIdentityProviderClient({ endpoint, region: LOCAL_IDENTITY_REGION, credentials: localCredentials });
      await remover.send(new DeleteUserPoolCommand({ UserPoolId: userPoolId })).catch(() => undefined);
      remover.destroy();
    }
    await cognito.stop();
  };
  try {
    const pool = await ensurePool(client, poolName, !shared);
    userPoolId = pool.userPoolId;
    const users = ROLES.map((role) => ({ username: role, role }));
    await Promise.all(ROLES.map((role) => ignoreExists(client.send(new CreateGroupCommand({ UserPoolId: pool.userPoolId, GroupName: role })))));
    await Promise.all(users.map((user) => ensureUser(client, pool.userPoolId, user.username, user.role, options.password)));
    const issuer = `${endpoint}/${pool.userPoolId}`;
    return { endpoint, region: LOCAL_IDENTITY_REGION, userPoolId: pool.userPoolId, clientId: pool.clientId, issuer, jwksUri: `${issuer}/.well-known/jwks.json`, users, password: options.password, stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
}

/** How long cognito-local may take to answer: a Node start, which on a busy 2-core machine (a test run) takes tens of seconds. */
const HEALTH_DEADLINE_MS = 60_000;

async function waitForHealth(endpoint: string, child: ChildProcess, reason: () => string): Promise<void> {
  const deadline = Date.now() + HEALTH_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new CognitoExitedEarly(`cognito-local exited (code ${child.exitCode}): ${reason() || 'no reason given'}; is its port taken? (NURTURE_COGNITO_PORT)`);
    }
    const ok = await fetch(`${endpoint}/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`cognito-local did not answer at ${endpoint}/health within ${HEALTH_DEADLINE_MS / 1000} s`);
}

/** The pool named `name` and its console client, created if missing; `reuse` false: created without looking first. */
async function ensurePool(client: CognitoIdentityProviderClient, name: string, reuse: boolean): Promise<{ userPoolId: string; clientId: string }> {
  const found = reuse ? (await client.send(new ListUserPoolsCommand({ MaxResults: 60 }))).UserPools?.find((pool) => pool.Name === name)?.Id : undefined;
  const userPoolId = found ?? (await client.send(new CreateUserPoolCommand({ PoolName: name }))).UserPool?.Id;
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
