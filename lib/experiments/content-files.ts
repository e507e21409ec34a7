import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod';
import { ExperimentFile } from '../../functions/experiments/domain/experiment-file';
import { writeIfChanged } from '../shared/write-if-changed';

/**
 * The marketer-owned experiment files (`content/experiments/<id>.yaml`), validated and compiled to the JSON module
 * the functions bundle (`functions/experiments/experiments.generated.json`) and to a JSON Schema for editors
 * (`content/schemas/experiment.schema.json`). `npm run content` (also run by `npm start` and `cdk synth`) rebuilds
 * them; a test fails when the committed module is stale.
 */
const repoRoot = join(import.meta.dirname, '../..');
export const experimentsDir = join(repoRoot, 'content/experiments');
export const generatedExperimentsFile = join(repoRoot, 'functions/experiments/experiments.generated.json');
export const experimentSchemaFile = join(repoRoot, 'content/schemas/experiment.schema.json');
const emailsDir = join(repoRoot, 'content/emails');

/** The templates arms may name: `content/emails/<id>/template.yaml` (read from the content, not a generated module). */
function templateIds(): ReadonlySet<string> {
  return new Set(
    readdirSync(emailsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_') && existsSync(join(emailsDir, entry.name, 'template.yaml')))
      .map((entry) => entry.name),
  );
}

/**
 * The generated module's text: every experiment file by id, validated (schema, file named after its id, arms'
 * templates exist), as written (defaults are applied when it loads).
 */
export function generatedExperiments(dir = experimentsDir, templates = templateIds()): string {
  const files: Record<string, unknown> = {};
  const names = existsSync(dir) ? readdirSync(dir).filter((name) => /\.ya?ml$/.test(name)).sort() : [];
  for (const name of names) {
    const path = join(dir, name);
    let value: unknown;
    try {
      value = parse(readFileSync(path, 'utf8'), { prettyErrors: true });
    } catch (error) {
      throw new Error(`${path} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
    }
    const result = ExperimentFile.safeParse(value);
    if (!result.success) throw new Error(`${path} is invalid:\n${z.prettifyError(result.error)}`);
    const experiment = result.data;
    if (name.replace(/\.ya?ml$/, '') !== experiment.id) throw new Error(`${path} declares id "${experiment.id}": name the file after its id`);
    const missing = experiment.arms.filter((arm) => arm.template !== undefined && !templates.has(arm.template));
    if (missing.length) throw new Error(`${path}: ${missing.map((arm) => `arm ${arm.id} names template "${arm.template}", which is not in content/emails`).join('; ')}`);
    files[experiment.id] = value;
  }
  return `${JSON.stringify(files, null, 2)}\n`;
}

export function experimentJsonSchema(): string {
  return `${JSON.stringify({ ...z.toJSONSchema(ExperimentFile, { io: 'input', unrepresentable: 'any' }), title: 'Nurture experiment (content/experiments/<id>.yaml)' }, null, 2)}\n`;
}

/** Rebuilds the generated module and the JSON Schema (only files whose content changed are written). */
export function buildExperimentsContent(): number {
  const text = generatedExperiments();
  writeIfChanged(generatedExperimentsFile, text);
  writeIfChanged(experimentSchemaFile, experimentJsonSchema());
  return Object.keys(JSON.parse(text) as object).length;
}
