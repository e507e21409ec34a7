import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bindingVariables, commonVariables, lambdaRuntimeVariables } from '../../lib/shared/bindings';
import { environmentFor, InvalidEnvironment } from '../../functions/shared/environment';
import { generatedBindingKinds, generatedBindingKindsFile } from '../../lib/function-environment-file';
import { functionKeys } from '../../lib/functions';
import { lambdaEnv } from '../../bench/bundles';
import { LocalSettings, processVariables } from '../../local/settings';

const root = resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

describe('function environments', () => {
  it.each([...functionKeys])('parses %s\'s environment from the one the bench imports its bundle with', (key) => {
    expect(() => environmentFor(key, lambdaEnv)).not.toThrow();
  });

  it('parses the variables of the function\'s registry bindings into a typed environment', () => {
    // Prepare
    const signIn = { CONSOLE_TOKEN_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool', CONSOLE_JWKS_URI: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool/.well-known/jwks.json', CONSOLE_CLIENT_ID: 'client' };
    const source = { TABLE_NAME: 'nurture', ADMIN_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:admin', ...signIn, UNRELATED: 'ignored' };

    // Act
    const env = environmentFor('authorizer', source);

    // Assess
    expect(env).toEqual({ TABLE_NAME: 'nurture', ADMIN_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:admin', ...signIn });
  });

  it('takes a secret binding\'s local value where AWS would pass the secret\'s ARN', () => {
    const signIn = { CONSOLE_TOKEN_ISSUER: 'http://127.0.0.1:9229/local_pool', CONSOLE_JWKS_URI: 'http://127.0.0.1:9229/local_pool/.well-known/jwks.json', CONSOLE_CLIENT_ID: 'client' };
    expect(environmentFor('authorizer', { TABLE_NAME: 'nurture', ADMIN_TOKEN: 'local-admin-token', ...signIn })).toEqual({
      TABLE_NAME: 'nurture',
      ADMIN_TOKEN: 'local-admin-token',
      ...signIn,
    });
  });

  it('refuses a missing or invalid variable, naming each one', () => {
    const parse = () => environmentFor('reactor', { TABLE_NAME: 'nurture', JOURNEY_STATE_MACHINE_ARN_PREFIX: 'not-an-arn', EMAIL_SIGNING_KEYS: 'local-email-signing-key-0123' });

    expect(parse).toThrow(InvalidEnvironment);
    expect(parse).toThrow(/JOURNEY_STATE_MACHINE_ARN_PREFIX: .*HANDOFF_QUEUE_URL: is not set.*PUBLIC_BASE_URL: is not set/);
  });

  it('ships the binding kinds generated from the registry that handlers parse by (run `npm run content`)', () => {
    expect(readFileSync(generatedBindingKindsFile, 'utf8')).toBe(generatedBindingKinds());
  });

  it('fails a handler module at cold start, naming the missing variable, before it serves anything', () => {
    // Prepare: a Lambda-like process with the table but no admin token.
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', "await import('./functions/access/authorizer.handler.ts')"], {
      cwd: root,
      env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', TABLE_NAME: 'nurture' },
      encoding: 'utf8',
      timeout: 60_000,
    });

    // Assess
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/InvalidEnvironment: Invalid environment of authorizer: ADMIN_TOKEN: is not set \(in AWS: ADMIN_TOKEN_SECRET_ARN\)/);
  }, 60_000);

  it('declares every variable a handler, a function module or the local runtime reads', () => {
    // Prepare: every name the registry, the common variables, Lambda itself and the local runtime's schema declare.
    const declared = new Set<string>([
      ...Object.values(bindingVariables).flatMap((spec) => [...Object.keys(spec.deployed), ...Object.keys('local' in spec ? spec.local : {})]),
      ...Object.keys(commonVariables),
      ...lambdaRuntimeVariables,
      ...Object.keys(LocalSettings.shape),
      ...processVariables,
    ]);
    // Reading the whole environment is allowed only where it is parsed against those declarations.
    const wholeEnvironmentReaders = ['functions/shared/environment.ts', 'local/settings.ts'];

    // Act
    const undeclared: string[] = [];
    for (const file of [...sources('functions'), ...sources('local')]) {
      // Code only: comments may name process.env.
      const text = readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
      for (const match of text.matchAll(/process\.env(?:\.([A-Z0-9_]+)|\[|\b)/g)) {
        const before = text.slice(Math.max(0, match.index - 20), match.index);
        // Destructuring is checked below; Object.assign writes the SDK's endpoints into the local runtime's own process.
        if (/\}\s*=\s*$/.test(before) || /Object\.assign\($/.test(before)) continue;
        if (match[1]) {
          if (!declared.has(match[1])) undeclared.push(`${file}: ${match[1]}`);
        } else if (!wholeEnvironmentReaders.includes(file)) {
          undeclared.push(`${file}: reads process.env as a whole`);
        }
      }
      for (const match of text.matchAll(/const\s*\{([^}]+)\}\s*=\s*process\.env/g)) {
        for (const name of match[1]!.split(',').map((part) => part.trim().split(/[\s:]/)[0]!)) {
          if (!declared.has(name)) undeclared.push(`${file}: ${name}`);
        }
      }
    }

    // Assess
    expect(undeclared).toEqual([]);
  });
});
