import { readFileSync, writeFileSync } from 'node:fs';

/** Writes `text` to `file` only when its content differs, so generated files keep their timestamps otherwise. */
export function writeIfChanged(file: string, text: string): void {
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== text) writeFileSync(file, text);
}
