import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** Pids of live DynamoDB Local processes listening on `port` (a zombie has an empty command line). */
function dynamoDbLocalOn(port: number): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args.some((arg) => arg.includes('DynamoDBLocal.jar')) && args[args.indexOf('-port') + 1] === String(port)) {
        pids.push(Number(pid));
      }
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

describe('DynamoDB Local', () => {
  it('runs in its own process group, and is killed when the process that started it crashes', { timeout: 90_000 }, async () => {
    // Prepare
    const parent = spawn(process.execPath, ['--import', 'tsx', 'tests/local/dynamodb-local-parent.ts'], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    parent.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    parent.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(parent, 'exit');
    let port: number | undefined;
    while (!port && parent.exitCode === null) {
      const found = /port (\d+)/.exec(output)?.[1];
      if (found) port = Number(found);
      else await sleep(10);
    }
    // Read while it runs: once the parent crashes, its DynamoDB Local is killed and its /proc entry goes.
    const java = port ? dynamoDbLocalOn(port) : [];
    const processGroup = java.length === 1 ? readFileSync(`/proc/${java[0]}/stat`, 'utf8').split(') ')[1]!.split(' ')[2] : undefined;

    // Act: the parent crashes when told to, once its DynamoDB Local has been seen running.
    parent.stdin.end('crash\n');
    const [code] = (await exited) as [number | null];

    // Assess
    expect(port, output).toBeDefined();
    expect(java).toHaveLength(1);
    // Its own group: a Ctrl-C meant for the parent's group does not reach it.
    expect(processGroup).toBe(String(java[0]));
    expect(code).toBe(1);
    expect(output).toContain('crash on purpose');
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && dynamoDbLocalOn(port!).length > 0; ) await sleep(50);
    expect(dynamoDbLocalOn(port!)).toEqual([]);
  });
});
