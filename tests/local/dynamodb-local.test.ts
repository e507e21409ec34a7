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
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    parent.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    parent.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(parent, 'exit');
    let port: number | undefined;
    let java: number[] = [];
    while (!port && parent.exitCode === null) {
      const found = /port (\d+)/.exec(output)?.[1];
      if (found) {
        port = Number(found);
        java = dynamoDbLocalOn(port);
      }
      await sleep(2);
    }

    // Act
    const [code] = (await exited) as [number | null];

    // Assess
    expect(port, output).toBeDefined();
    expect(java).toHaveLength(1);
    // Its own group: a Ctrl-C meant for the parent's group does not reach it.
    expect(readFileSync(`/proc/${java[0]}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]).toBe(String(java[0]));
    expect(code).toBe(1);
    expect(output).toContain('crash on purpose');
    for (let i = 0; i < 100 && dynamoDbLocalOn(port!).length > 0; i++) await sleep(50);
    expect(dynamoDbLocalOn(port!)).toEqual([]);
  });
});
