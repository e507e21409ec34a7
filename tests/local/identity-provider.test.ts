import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCognitoLocal, type CognitoLocal } from '../../local/identity-provider';

const dataDir = mkdtempSync(join(tmpdir(), 'nurture-cognito-data-'));
let cognito: CognitoLocal | undefined;
afterAll(async () => {
  await cognito?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the local identity provider (cognito-local) on saved data', () => {
  it('starts afresh, keeping the unreadable folder aside, when its saved pools cannot be read (a file cut short mid-write)', { timeout: 120_000 }, async () => {
    // Prepare: a pool file cut short, as a stop in the middle of a write leaves it.
    mkdirSync(join(dataDir, '.cognito', 'db'), { recursive: true });
    writeFileSync(join(dataDir, '.cognito', 'db', 'clients.json'), '{"Clients": {"abc": {"ClientId": "abc", "UserPoo');

    // Act
    cognito = await startCognitoLocal({ port: 0, dataDir });

    // Assess: it answers, and what it could not read is kept beside its fresh folder.
    expect((await fetch(`${cognito.endpoint}/health`)).ok).toBe(true);
    expect(readdirSync(dataDir).filter((name) => name.startsWith('.cognito.unreadable-'))).toHaveLength(1);
    expect(existsSync(join(dataDir, '.cognito', 'config.json'))).toBe(true);
  });
});
