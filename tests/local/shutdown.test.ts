import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocal, stopLocal, type Running } from '../support/local-app';

const ADMIN_TOKEN = 'shutdown-admin-token-0123456789';
const started: Running[] = [];

afterAll(() => {
  for (const running of started) running.kill();
});

/** Command lines of the running processes that mention `text`. */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (args.includes(text)) found.push(`${pid}: ${args}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

describe('Ctrl-C right after a form post', () => {
  it('lets the reactor finish against a live DynamoDB Local, records no failure and leaves no Java behind', { timeout: 120_000 }, async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'nurture-shutdown-'));
    const running = await startLocal({ dataDir, adminToken: ADMIN_TOKEN });
    started.push(running);
    expect(processesMentioning(dataDir).some((args) => args.includes('DynamoDBLocal.jar'))).toBe(true);

    // Act: form posts, then SIGINT to the whole process group (as a terminal's Ctrl-C does) the moment the
    // reactor has handled the first of them, so the rest of its batch is in flight.
    const posted = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${running.url}/forms/demo-request`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: `ctrl-c-${i}-${Date.now()}@example.com`, first_name: 'Walter' }),
        }).then((response) => response.status),
      ),
    );
    while (!running.output().includes('"message":"reacted"')) await sleep(5);
    const code = await stopLocal(running);

    // Assess
    expect(posted).toEqual(Array(20).fill(201));
    expect(code).toBe(0);
    const output = running.output();
    expect(output).toContain('Stopped.');
    expect(output).not.toMatch(/reaction failed|ECONNREFUSED|poll failed|batch failed/);
    expect(existsSync(join(dataDir, 'reactor-failures.jsonl'))).toBe(false);
    expect(processesMentioning(dataDir)).toEqual([]);
  });
});

describe('npm start on Node 20', () => {
  it('prints no AWS SDK Node version notice, even when the environment does not switch it off', { timeout: 120_000 }, async () => {
    const running = await startLocal({
      dataDir: mkdtempSync(join(tmpdir(), 'nurture-node20-')),
      adminToken: ADMIN_TOKEN,
      env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined },
    });
    started.push(running);

    const health = await fetch(`${running.url}/health`);
    expect(await stopLocal(running)).toBe(0);

    expect(health.status).toBe(200);
    expect(running.output()).not.toMatch(/NodeVersionSupportWarning|require node >=/);
  });
});
