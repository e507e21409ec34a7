import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';

/** The repository root: child scripts run from here so `tsx` and `@aws-sdk/*` resolve from its node_modules. */
export const repoRoot = resolve(import.meta.dirname, '..');

const ToChild = z.object({ type: z.literal('run'), input: z.unknown() });

const FromChild = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), line: z.string() }),
  z.object({ type: z.literal('result'), result: z.unknown() }),
  z.object({ type: z.literal('failed'), error: z.string() }),
]);
type FromChild = z.infer<typeof FromChild>;

export interface ChildOptions {
  /** File that receives the child's stdout and stderr (handler logs). @default - inherited */
  readonly logFile?: string;
  /** Called with each progress line the child reports. */
  readonly onProgress?: (line: string) => void;
}

/** A bench script running in its own Node process, doing one run at a time. */
export interface Child<I, O> {
  run(input: I): Promise<O>;
  close(): Promise<void>;
}

/**
 * Starts a bench script (TypeScript, through tsx) in a fresh Node process that stays up between runs, so its JIT
 * and connection pools warm once, like the long-lived gateway process it is compared with. Load is generated
 * from such processes so that the generator never shares an event loop with the code under test.
 */
export function startChild<I, O>(script: string, result: z.ZodType<O>, options: ChildOptions = {}): Child<I, O> {
  const log = options.logFile ? openSync(options.logFile, 'a') : undefined;
  const output = log ?? 'inherit';
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(repoRoot, script)], {
    cwd: repoRoot,
    stdio: ['ignore', output, output, 'ipc'],
  });
  let pending: { done: (value: O) => void; fail: (error: Error) => void } | undefined;
  const settle = (outcome: { value: O } | { error: Error }) => {
    const current = pending;
    pending = undefined;
    if ('value' in outcome) current?.done(outcome.value);
    else current?.fail(outcome.error);
  };
  const exited = new Promise<void>((done) => {
    child.once('exit', (code, signal) => {
      if (log !== undefined) closeSync(log);
      const where = options.logFile ? ` (see ${options.logFile})` : '';
      settle({ error: new Error(`${script} exited (${code ?? signal}) during a run${where}`) });
      done();
    });
  });
  child.once('error', (error) => settle({ error }));
  child.on('message', (raw: unknown) => {
    const message = FromChild.safeParse(raw);
    if (!message.success) return settle({ error: new Error(`${script} sent an unexpected message`) });
    if (message.data.type === 'progress') return options.onProgress?.(message.data.line);
    if (message.data.type === 'failed') return settle({ error: new Error(`${script} failed: ${message.data.error}`) });
    const parsed = result.safeParse(message.data.result);
    settle(parsed.success ? { value: parsed.data } : { error: new Error(`${script} sent an unexpected result`) });
  });

  return {
    run(input) {
      if (pending) return Promise.reject(new Error(`${script} is already running`));
      if (child.exitCode !== null || child.signalCode !== null) return Promise.reject(new Error(`${script} has exited`));
      return new Promise<O>((done, fail) => {
        pending = { done, fail };
        child.send({ type: 'run', input }, (error) => error && settle({ error }));
      });
    },
    async close() {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}

/** Runs a bench script once in its own process. */
export async function runChild<I, O>(script: string, input: I, result: z.ZodType<O>, options: ChildOptions = {}) {
  const child = startChild<I, O>(script, result, options);
  try {
    return await child.run(input);
  } finally {
    await child.close();
  }
}

/**
 * In a child script: answers each run the parent asks for with `run(input)`, one at a time, and exits when the
 * parent disconnects, after `cleanup` (which must stop anything that would outlive this process, such as a
 * DynamoDB Local JVM). Exiting explicitly keeps a lingering socket or timer from holding a finished bench open.
 */
export function serveRuns<I>(
  schema: z.ZodType<I>,
  run: (input: I) => Promise<unknown>,
  cleanup: () => Promise<void> = async () => {},
): void {
  if (!process.send) throw new Error('this is a bench child script; run it through bench/run.ts');
  process.on('disconnect', () => {
    cleanup().finally(() => process.exit(0));
  });
  process.on('message', (raw: unknown) => {
    void (async () => {
      try {
        const input = schema.parse(ToChild.parse(raw).input);
        await send({ type: 'result', result: await run(input) });
      } catch (error) {
        console.error(error);
        await send({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
}

/** In a child script: tells the parent how far it got. */
export function progress(line: string): void {
  void send({ type: 'progress', line });
}

function send(message: FromChild): Promise<void> {
  return new Promise((done, fail) => {
    if (!process.send) return fail(new Error('no IPC channel to the parent'));
    process.send(message, (error: Error | null) => (error ? fail(error) : done()));
  });
}
