import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grants, SCOPES, type RouteAccess, type Scope } from '../../functions/access/domain/access';
import { DynamoApiKeys } from '../../functions/access/dynamo-api-keys';
import { newApiKey } from '../../functions/access/key-secrets';
import { routes, type Route } from '../../lib/functions';
import { localCredentials, localRegion } from '../../local/dynamodb-local';
import type { Runtime } from '../../local/runtime';
import { startTestRuntime } from '../support/runtime';

const root = resolve(import.meta.dirname, '../..');
const ADMIN_TOKEN = 'access-bootstrap-token-0123456789';

let runtime: Runtime;
let client: DynamoDBClient;
let store: DynamoApiKeys;

beforeAll(async () => {
  runtime = await startTestRuntime({ tableName: 'access-local', adminToken: ADMIN_TOKEN });
  client = new DynamoDBClient({ endpoint: runtime.dynamoDbEndpoint, region: localRegion, credentials: localCredentials });
  store = new DynamoApiKeys(DynamoDBDocumentClient.from(client), runtime.tableName);
});

afterAll(async () => {
  client?.destroy();
  await runtime?.stop();
});

/** A key stored straight in the table, as `npm run keys` or `POST /keys` would store it. */
async function storedKey(scopes: Scope[], extra: { expiresOn?: string; revoked?: boolean } = {}): Promise<string> {
  const { keyId, key, secretHash } = newApiKey();
  await store.create({ keyId, name: `test ${scopes.join(' ')}`, scopes, secretHash, createdAt: new Date().toISOString(), ...(extra.expiresOn ? { expiresOn: extra.expiresOn } : {}) });
  if (extra.revoked) await store.revoke(keyId, new Date().toISOString());
  return key;
}

/** The route's path with each parameter filled in; ids that exist nowhere, so a granted call changes nothing. */
function pathOf(route: Route): string {
  return route.routeKey.split(' ')[1]!.replace(/\{(\w+)\}/g, (_all, name: string) => (name === 'keyId' ? 'zzzzzzzzzzzzzzzz' : `no-such-${name.toLowerCase()}`));
}

async function call(route: Route, authorization?: string) {
  const [method] = route.routeKey.split(' ');
  const response = await fetch(`${runtime.url}${pathOf(route)}`, {
    method,
    headers: { ...(authorization === undefined ? {} : { authorization }), accept: 'application/json' },
  });
  return { status: response.status, headers: response.headers, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
}

const privateRoutes = routes.filter((route): route is Route & { auth: RouteAccess } => route.auth !== 'public');
/** Private routes that need a particular scope (not merely a valid credential, as `GET /me`). */
const scopedRoutes = privateRoutes.filter((route): route is Route & { auth: { scope: Scope } } => route.auth.scope !== 'authenticated');
/** A key with every scope that does not grant the route's own: valid, yet without what the route needs. */
const otherScopes = (needed: Scope) => SCOPES.filter((scope) => !grants([scope], needed));

describe('every private route of the registry, through the local gateway', () => {
  it('covers every non-public route, the keys routes included', () => {
    expect(privateRoutes.length).toBeGreaterThan(20);
    expect(privateRoutes.map((route) => route.routeKey)).toEqual(expect.arrayContaining(['POST /keys', 'GET /keys', 'DELETE /keys/{keyId}']));
  });

  it.each(privateRoutes)('$routeKey refuses a request without a key with 401, before its function runs', async (route) => {
    const result = await call(route);

    expect(result.status).toBe(401);
    expect(result.body).toEqual({ message: 'Unauthorized' });
  });

  it.each(privateRoutes)('$routeKey refuses a malformed, unknown, revoked or expired key with 401 naming the problem', async (route) => {
    const cases: [string, string][] = [
      ['Bearer not-a-key-at-all-0123456789', 'malformed_key'],
      ['Basic dXNlcjpwYXNz', 'malformed_key'],
      [`Bearer ${newApiKey().key}`, 'unknown_key'],
      [`Bearer ${await storedKey(['admin'], { revoked: true })}`, 'revoked_key'],
      [`Bearer ${await storedKey(['admin'], { expiresOn: new Date(Date.now() - 1_000).toISOString() })}`, 'expired_key'],
    ];
    for (const [authorization, error] of cases) {
      const result = await call(route, authorization);

      expect({ error, status: result.status, body: result.body.error }).toEqual({ error, status: 401, body: error });
      expect(result.body.message).toEqual(expect.any(String));
      expect(result.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it.each(scopedRoutes)('$routeKey refuses a valid key without scope $auth.scope with 403 naming it', async (route) => {
    const result = await call(route, `Bearer ${await storedKey(otherScopes(route.auth.scope))}`);

    expect(result.status).toBe(403);
    expect(result.body).toMatchObject({ error: 'insufficient_scope', message: expect.stringContaining(route.auth.scope) });
  });

  it.each(scopedRoutes)('$routeKey lets a key with scope $auth.scope through to its function', async (route) => {
    const result = await call(route, `Bearer ${await storedKey([route.auth.scope])}`);

    // The function answers for itself: not found, a missing body, or the data; never a refusal or a fault.
    expect(result.status).not.toBe(401);
    expect(result.status).not.toBe(403);
    expect(result.status).toBeLessThan(500);
  });
});

describe('the bootstrap admin token', () => {
  it('creates, lists and revokes keys through /keys', async () => {
    const bootstrap = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };

    const created = await fetch(`${runtime.url}/keys`, { method: 'POST', headers: bootstrap, body: JSON.stringify({ name: 'first key', scopes: ['contacts:read'], expiresIn: '90d' }) });
    const body = (await created.json()) as { key: string; keyId: string; createdBy: string; expiresOn: string };
    const listed = (await (await fetch(`${runtime.url}/keys`, { headers: bootstrap })).json()) as { keys: Record<string, unknown>[] };
    const read = await fetch(`${runtime.url}/contacts/no-such-contact`, { headers: { authorization: `Bearer ${body.key}` } });
    const revoked = await fetch(`${runtime.url}/keys/${body.keyId}`, { method: 'DELETE', headers: bootstrap });
    const afterRevoke = await fetch(`${runtime.url}/contacts/no-such-contact`, { headers: { authorization: `Bearer ${body.key}` } });

    expect(created.status).toBe(201);
    expect(body).toMatchObject({ keyId: expect.stringMatching(/^[0-9a-z]{16}$/), name: 'first key', scopes: ['contacts:read'], createdBy: 'bootstrap' });
    expect(body.key).toMatch(new RegExp(`^nk_${body.keyId}_`));
    expect(Date.parse(body.expiresOn) - Date.now()).toBeGreaterThan(89 * 86_400_000);
    const entry = listed.keys.find((k) => k.keyId === body.keyId);
    expect(entry).toMatchObject({ name: 'first key', scopes: ['contacts:read'] });
    expect(JSON.stringify(listed)).not.toMatch(/secretHash|nk_[0-9a-z]{16}_/);
    expect(read.status).toBe(404);
    expect(revoked.status).toBe(200);
    expect(afterRevoke.status).toBe(401);
    expect(await afterRevoke.json()).toMatchObject({ error: 'revoked_key' });
  });

  it.each(privateRoutes.filter((route) => !route.auth.bootstrap))('is refused on $routeKey with 403', async (route) => {
    const result = await call(route, `Bearer ${ADMIN_TOKEN}`);

    expect(result.status).toBe(403);
    expect(result.body).toMatchObject({ error: 'bootstrap_token_keys_only' });
  });

  it('is the only credential besides a key: the keys routes still take an admin key', async () => {
    const response = await fetch(`${runtime.url}/keys`, { headers: { authorization: `Bearer ${runtime.apiKey}` } });

    expect(response.status).toBe(200);
  });
});

describe('the keys API', () => {
  const admin = () => ({ authorization: `Bearer ${runtime.apiKey}`, 'content-type': 'application/json' });

  it.each([
    ['an unknown scope', { name: 'x', scopes: ['contacts:everything'] }, 'scopes.0'],
    ['no scope', { name: 'x', scopes: [] }, 'scopes'],
    ['no name', { scopes: ['admin'] }, 'name'],
    ['a control character in the name', { name: 'a\u0085b', scopes: ['admin'] }, 'name'],
    ['a bad expiry', { name: 'x', scopes: ['admin'], expiresIn: 'soon' }, 'expiresIn'],
    ['an unknown field', { name: 'x', scopes: ['admin'], secret: 'mine' }, '(input)'],
  ])('refuses %s with 422 naming the field, and stores nothing', async (_case, body, field) => {
    const before = (await store.list()).length;

    const response = await fetch(`${runtime.url}/keys`, { method: 'POST', headers: admin(), body: JSON.stringify(body) });

    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ error: 'validation_failed', errors: [expect.objectContaining({ field })] });
    expect(await store.list()).toHaveLength(before);
  });

  it('refuses a body that is not JSON with 400, and another media type with 415', async () => {
    const broken = await fetch(`${runtime.url}/keys`, { method: 'POST', headers: admin(), body: '{' });
    const form = await fetch(`${runtime.url}/keys`, { method: 'POST', headers: { ...admin(), 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x' });

    expect(broken.status).toBe(400);
    expect(form.status).toBe(415);
  });

  it('answers 404 for revoking a key that does not exist', async () => {
    const response = await fetch(`${runtime.url}/keys/zzzzzzzzzzzzzzzz`, { method: 'DELETE', headers: admin() });

    expect(response.status).toBe(404);
  });
});

describe('last use', () => {
  it('records a key\'s last use, at most once a minute', async () => {
    const key = await storedKey(['reports:read']);
    const keyId = key.slice(3, 19);
    const use = () => fetch(`${runtime.url}/segments`, { headers: { authorization: `Bearer ${key}` } });

    expect((await store.get(keyId))?.lastUsedAt).toBeUndefined();
    expect((await use()).status).toBe(200);
    const first = (await store.get(keyId))?.lastUsedAt;
    expect((await use()).status).toBe(200);
    const second = (await store.get(keyId))?.lastUsedAt;

    expect(first).toEqual(expect.any(String));
    expect(second).toBe(first);
  });
});

describe('npm run keys', () => {
  async function keysCli(...args: string[]) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', ...args], {
      cwd: root,
      env: { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: runtime.dynamoDbEndpoint, TABLE_NAME: runtime.tableName },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stdout, stderr };
  }

  it('creates a key it prints once, lists it without its secret, and revokes it', { timeout: 60_000 }, async () => {
    const created = await keysCli('create', '--name', 'CRM sync', '--scopes', 'contacts:read,contacts:write', '--expires', '30d');
    const key = /nk_[0-9a-z]{16}_\S+/.exec(created.stdout)?.[0];
    const keyId = key?.slice(3, 19);
    const granted = await fetch(`${runtime.url}/contacts/no-such-contact`, { headers: { authorization: `Bearer ${key}` } });
    const listed = await keysCli('list');
    const revoked = await keysCli('revoke', keyId ?? '');
    const refused = await fetch(`${runtime.url}/contacts/no-such-contact`, { headers: { authorization: `Bearer ${key}` } });

    expect(created.code).toBe(0);
    expect(key).toBeDefined();
    expect(granted.status).toBe(404);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${keyId}\\s+"CRM sync"\\s+contacts:read,contacts:write\\s+active`));
    expect(listed.stdout).not.toContain(key);
    expect(revoked).toMatchObject({ code: 0, stdout: expect.stringContaining(`Revoked key ${keyId}`) });
    expect(refused.status).toBe(401);
  });

  it('exits 2 with the usage for an unknown scope, and 1 for revoking a key that does not exist', { timeout: 60_000 }, async () => {
    const badScope = await keysCli('create', '--name', 'x', '--scopes', 'contacts:everything');
    const missing = await keysCli('revoke', 'zzzzzzzzzzzzzzzz');

    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toMatch(/scopes\.0: .*\n.*usage: npm run keys/s);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('No key zzzzzzzzzzzzzzzz') });
  });
});
