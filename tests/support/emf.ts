import { afterEach, beforeEach } from 'vitest';

/**
 * Captures the EMF lines written to stdout (where Powertools Metrics writes them, and Lambda hands them to
 * CloudWatch) during each test of the calling file; the lines still reach the terminal.
 */
export function captureEmf(): { lines(): Record<string, unknown>[]; clear(): void } {
  let stdout: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  beforeEach(() => {
    stdout = [];
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      stdout.push(...String(chunk).split('\n').filter(Boolean));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
  });
  afterEach(() => {
    process.stdout.write = write;
  });
  return {
    lines: () => stdout.filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line) as Record<string, unknown>),
    clear: () => (stdout = []),
  };
}
