import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime';
import { importFile } from '../../scripts/contacts-import';
import { useLocalRuntime } from '../journeys/support';
import { LOCAL_API_KEY } from '../../local/settings';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'nurture-import-'));
let runtime: Runtime;
useLocalRuntime({ tableName: 'import-cli', timeScale: 86_400 }, (started) => (runtime = started));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** `npm run contacts -- <args>` as a person runs it, against the test's runtime. */
async function contactsCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/contacts.ts', ...args], {
    cwd: root,
    env: { ...process.env, NURTURE_API_KEY: LOCAL_API_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

async function contact(email: string) {
  const response = await fetch(`${runtime.url}/contacts?email=${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${LOCAL_API_KEY}` } });
  return response.status === 200 ? ((await response.json()) as { contact: Record<string, unknown> }).contact : undefined;
}

describe('npm run contacts -- import, through the local gateway', () => {
  it('imports a file through POST /contacts/import, and changes nothing the second time', { timeout: 60_000 }, async () => {
    const path = file('fair.csv', '\ufeffE-mail,First Name,Consent\r\nada@fair.example.com,Ada,yes\r\nbob@fair.example.com,Bob,no\r\n');
    const run = () =>
      importFile({ file: path, url: runtime.url, token: LOCAL_API_KEY, settings: { map: {}, topic: 'newsletter', consentColumn: 'Consent', basis: 'import', source: 'fair.csv', confirmEmails: false } });

    const first = await run();
    const second = await run();

    expect(first).toMatchObject({ file: 'fair.csv', format: 'csv', created: { count: 1, rows: '2' }, rejected: { count: 1, rows: '3' } });
    expect(second).toMatchObject({ sha256: first.sha256, created: { count: 0 }, updated: { count: 0 }, unchanged: { count: 1, rows: '2' }, rejected: { count: 1 } });
    expect(await contact('ada@fair.example.com')).toMatchObject({
      attributes: { first_name: 'Ada' },
      subscriptions: { newsletter: { status: 'subscribed', basis: 'import', source: 'fair.csv' } },
    });
    expect(await contact('bob@fair.example.com')).toBeUndefined();
  });

  it('prints the report without an address, writes it with --report and exits 0 when rows are rejected', { timeout: 60_000 }, async () => {
    const path = file('list.ndjson', '{"email":"carol@list.example.com","budget":"$5,000"}\n{"email":"carol@list.example.com"}\n{"email":"oops"}\n');
    const report = join(dir, 'report.json');

    const { code, stdout } = await contactsCli(['import', path, '--url', runtime.url, '--report', report]);

    expect(code).toBe(0);
    expect(stdout).toContain('row 2: duplicate of row 1 (the same email): the first row wins');
    expect(stdout).toContain('row 3: email: must be a valid email address');
    expect(stdout).not.toMatch(/[a-z0-9]@/);
    expect(JSON.parse(readFileSync(report, 'utf8'))).toMatchObject({ rows: 3, created: { count: 1, rows: '1' }, rejected: { count: 2, rows: '2-3', duplicates: 1 } });
  });

  it('exits 1 with a clear message when the file cannot be imported or the API refuses the key', { timeout: 60_000 }, async () => {
    const noEmail = await contactsCli(['import', file('names.csv', 'name,phone\nAda,1\n'), '--url', runtime.url]);
    const notCsv = await contactsCli(['import', file('data.csv', '{"email":"x@example.com"}\n'), '--url', runtime.url]);
    const badToken = await contactsCli(['import', file('one.csv', 'email\ndan@example.com\n'), '--url', runtime.url], { NURTURE_API_KEY: 'not-the-key-0123456789' });

    expect(noEmail).toMatchObject({ code: 1, stderr: expect.stringContaining('Import failed: no email column (the columns are "name", "phone")') });
    expect(notCsv).toMatchObject({ code: 1, stderr: expect.stringContaining('Import failed: the file looks like JSON, not CSV') });
    expect(badToken).toMatchObject({ code: 1, stderr: expect.stringContaining('the API key was refused (401)') });
  });

  it('exits 2 with the usage for a topic without a consent column', { timeout: 60_000 }, async () => {
    const { code, stderr } = await contactsCli(['import', file('t.csv', 'email\ne@example.com\n'), '--url', runtime.url, '--topic', 'newsletter']);

    expect(code).toBe(2);
    expect(stderr).toContain('--topic needs --consent-column');
  });
});
