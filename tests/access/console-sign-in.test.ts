import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { startTestRuntime } from '../support/runtime';
import { cognitoCall, signIn, signInTokens } from '../support/sign-in';

let runtime: Runtime;

beforeAll(async () => {
  runtime = await startTestRuntime({ tableName: 'console-sign-in', cognitoPort: 0 });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

async function api(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${runtime.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
}

/** A token with its payload's `exp` in the past, its signature left as it was: the authorizer must not trust it. */
function tampered(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(claims);
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

describe('the local identity provider', () => {
  it('exposes the pool, the console client and one user per role', () => {
    expect(runtime.identity).toMatchObject({
      endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      userPoolId: expect.any(String),
      clientId: expect.any(String),
      issuer: `${runtime.identity.endpoint}/${runtime.identity.userPoolId}`,
      jwksUri: `${runtime.identity.endpoint}/${runtime.identity.userPoolId}/.well-known/jwks.json`,
      users: [
        { username: 'viewer', role: 'viewer' },
        { username: 'marketer', role: 'marketer' },
        { username: 'admin', role: 'admin' },
      ],
    });
  });

  it('answers the browser preflight of the console origin for the Cognito API headers', async () => {
    const response = await fetch(`${runtime.identity.endpoint}/`, {
      method: 'OPTIONS',
      headers: { origin: runtime.url, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-amz-target' },
    });

    expect(response.status).toBeLessThan(300);
    expect(response.headers.get('access-control-allow-origin')).toMatch(/^\*$|^http:\/\/127\.0\.0\.1/);
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-amz-target');
  });

  it('signs a user in with USER_PASSWORD_AUTH from the console origin, and refreshes with REFRESH_TOKEN_AUTH', async () => {
    const tokens = await signInTokens(runtime, 'marketer');
    const refreshed = await cognitoCall(runtime, 'InitiateAuth', {
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      ClientId: runtime.identity.clientId,
      AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken },
    });

    expect(tokens.AccessToken.split('.')).toHaveLength(3);
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.get('access-control-allow-origin')).toBeTruthy();
    expect(((await refreshed.json()) as { AuthenticationResult: { AccessToken: string } }).AuthenticationResult.AccessToken).toEqual(expect.any(String));
  });

  it('refuses a wrong password', async () => {
    const response = await cognitoCall(runtime, 'InitiateAuth', {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: runtime.identity.clientId,
      AuthParameters: { USERNAME: 'viewer', PASSWORD: 'not-the-password-1' },
    });

    expect(response.status).toBe(400);
  });
});

describe("the API with a person's access token", () => {
  it('lets a viewer read contacts and journeys', async () => {
    const token = await signIn(runtime, 'viewer');

    expect((await api('GET', '/contacts/no-such-contact', token)).status).toBe(404);
    expect((await api('GET', '/journeys', token)).status).toBe(200);
  });

  it('refuses a viewer erasing a contact or sending a broadcast with 403 insufficient_scope', async () => {
    const token = await signIn(runtime, 'viewer');

    const erase = await api('DELETE', '/contacts/no-such-contact', token);
    const broadcast = await api('POST', '/broadcasts', token, {});

    expect(erase).toMatchObject({ status: 403, body: { error: 'insufficient_scope' } });
    expect(broadcast).toMatchObject({ status: 403, body: { error: 'insufficient_scope' } });
  });

  it('refuses a tampered or expired token with 401 invalid_token', async () => {
    const token = await signIn(runtime, 'admin');

    const expired = await api('GET', '/me', tampered(token, (claims) => (claims.exp = Math.floor(Date.now() / 1000) - 60)));
    const promoted = await api('GET', '/me', tampered(await signIn(runtime, 'viewer'), (claims) => (claims['cognito:groups'] = ['admin'])));
    const garbage = await api('GET', '/me', 'aaaa.bbbb.cccc');

    for (const refused of [expired, promoted, garbage]) expect(refused).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
  });

  it('GET /me names the signed-in person, their role and scopes; for a key, the key', async () => {
    const me = await api('GET', '/me', await signIn(runtime, 'marketer'));
    const key = await api('GET', '/me', runtime.apiKey);

    expect(me).toEqual({
      status: 200,
      body: {
        actor: { kind: 'user', id: expect.any(String), name: 'marketer' },
        role: 'marketer',
        scopes: ['contacts:read', 'reports:read', 'journeys:read', 'contacts:write', 'journeys:enroll', 'broadcasts:send'],
      },
    });
    expect(key).toEqual({ status: 200, body: { actor: { kind: 'key', id: 'localdevelopment' }, scopes: ['admin'] } });
  });
});

describe('the audit trail', () => {
  it('records who changed what, people by sub and keys by id, never a GET and never the body', async () => {
    const marketer = await signIn(runtime, 'marketer');
    const admin = await signIn(runtime, 'admin');
    const marketerSub = ((await api('GET', '/me', marketer)).body.actor as { id: string }).id;
    const adminSub = ((await api('GET', '/me', admin)).body.actor as { id: string }).id;

    const byPerson = await api('PUT', '/contacts', marketer, { email: 'audit-person@example.com', attributes: { first_name: 'Secret' } });
    const byKey = await api('PUT', '/contacts', runtime.apiKey, { email: 'audit-key@example.com' });
    await api('GET', `/contacts/${String(byKey.body.contactId)}`, admin);
    const erased = await api('DELETE', `/contacts/${String(byPerson.body.contactId)}`, admin);
    const trail = await api('GET', '/audit', admin);
    const refused = await api('GET', '/audit', marketer);

    expect([byPerson.status, byKey.status, erased.status]).toEqual([201, 201, 200]);
    const items = trail.body.items as Record<string, unknown>[];
    expect(trail.status).toBe(200);
    expect(items.slice(0, 3)).toEqual([
      { at: expect.any(String), actor: { kind: 'user', id: adminSub, name: 'admin' }, routeKey: 'DELETE /contacts/{contactId}', pathParameters: { contactId: byPerson.body.contactId }, status: 200 },
      { at: expect.any(String), actor: { kind: 'key', id: 'localdevelopment' }, routeKey: 'PUT /contacts', pathParameters: {}, status: 201 },
      { at: expect.any(String), actor: { kind: 'user', id: marketerSub, name: 'marketer' }, routeKey: 'PUT /contacts', pathParameters: {}, status: 201 },
    ]);
    expect(items.some((item) => String(item.routeKey).startsWith('GET '))).toBe(false);
    expect(JSON.stringify(items)).not.toMatch(/audit-person@|Secret/);
    expect(refused).toMatchObject({ status: 403, body: { error: 'insufficient_scope' } });
  });

  it('names the person in the erasure record', async () => {
    const admin = await signIn(runtime, 'admin');
    const adminSub = ((await api('GET', '/me', admin)).body.actor as { id: string }).id;
    const created = await api('PUT', '/contacts', runtime.apiKey, { email: 'erased-by-person@example.com' });

    const erased = await api('DELETE', `/contacts/${String(created.body.contactId)}`, admin);

    expect(erased.status).toBe(200);
    expect(JSON.stringify(erased.body)).toContain(`user:${adminSub}`);
  });

  it('refuses a malformed range with 400 naming the field', async () => {
    const result = await api('GET', '/audit?from=yesterday', await signIn(runtime, 'admin'));

    expect(result).toMatchObject({ status: 400, body: { error: 'invalid_query' } });
  });
});

describe('npm run users, against the local identity provider', () => {
  const root = resolve(import.meta.dirname, '../..');
  async function users(...args: string[]): Promise<{ code: number | null; out: string }> {
    const port = new URL(runtime.identity.endpoint).port;
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/users.ts', ...args], {
      cwd: root,
      env: { ...process.env, NURTURE_COGNITO_PORT: port },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, out };
  }

  it('creates a user with a role and a temporary password shown once, and lists it', { timeout: 60_000 }, async () => {
    const created = await users('create', 'grace', '--role', 'marketer', '--email', 'grace@example.com');
    const listed = await users('list');
    const firstSignIn = await cognitoCall(runtime, 'InitiateAuth', {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: runtime.identity.clientId,
      AuthParameters: { USERNAME: 'grace', PASSWORD: created.out.trim().split('\n').at(-1)! },
    });

    expect(created.code).toBe(0);
    expect(listed.out).toMatch(/^grace {2}marketer {2}enabled {2}FORCE_CHANGE_PASSWORD$/m);
    expect(listed.out).toMatch(/^viewer {2}viewer {2}enabled/m);
    expect(((await firstSignIn.json()) as { ChallengeName?: string }).ChallengeName).toBe('NEW_PASSWORD_REQUIRED');
  });

  it('refuses an unknown role naming the choices', async () => {
    const result = await users('create', 'alan', '--role', 'owner');

    expect(result.code).toBe(2);
    expect(result.out).toContain('--role must be one of viewer, marketer, admin');
  });
});
