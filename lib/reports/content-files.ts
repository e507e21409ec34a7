import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod';
import { ProgramsFile } from '../../functions/reports/domain/programs';
import { writeIfChanged } from '../shared/write-if-changed';

/**
 * The marketer-owned program costs (`content/programs.yaml`), validated and compiled to the JSON module the reports
 * function bundles (`functions/reports/programs.generated.json`) and to a JSON Schema for editors
 * (`content/schemas/programs.schema.json`). `npm run content` (also run by `npm start` and `cdk synth`) rebuilds
 * them; a test fails when the committed module is stale.
 */
const repoRoot = join(import.meta.dirname, '../..');
export const programsFile = join(repoRoot, 'content/programs.yaml');
export const generatedProgramsFile = join(repoRoot, 'functions/reports/programs.generated.json');
export const programsSchemaFile = join(repoRoot, 'content/schemas/programs.schema.json');

/** The generated module's text: the file, validated, as written (defaults are applied when it loads). */
export function generatedPrograms(file = programsFile): string {
  let value: unknown;
  try {
    value = parse(readFileSync(file, 'utf8'), { prettyErrors: true });
  } catch (error) {
    throw new Error(`${file} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const result = ProgramsFile.safeParse(value);
  if (!result.success) throw new Error(`${file} is invalid:\n${z.prettifyError(result.error)}`);
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function programsJsonSchema(): string {
  return `${JSON.stringify({ ...z.toJSONSchema(ProgramsFile, { io: 'input', unrepresentable: 'any' }), title: 'Nurture program costs (content/programs.yaml)' }, null, 2)}\n`;
}

/** Rebuilds the generated module and the JSON Schema (only files whose content changed are written). */
export function buildProgramsContent(): void {
  writeIfChanged(generatedProgramsFile, generatedPrograms());
  writeIfChanged(programsSchemaFile, programsJsonSchema());
}
