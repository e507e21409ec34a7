import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod';
import { Lifecycle } from '../../functions/shared/lifecycle';
import { ScoringRules } from '../../functions/scoring/domain/scoring-rules';
import { writeIfChanged } from '../shared/write-if-changed';

/**
 * The marketer-owned scoring and funnel files (`content/scoring.yaml`, `content/lifecycle.yaml`), compiled to the
 * JSON module the Lambda bundles import (`functions/scoring/content.generated.json`) and to JSON Schemas for
 * editors (`content/schemas/`). `npm run content` (also run by `npm start` and `cdk synth`) rebuilds them; a test
 * fails when the committed module is stale.
 */
export const repoRoot = join(import.meta.dirname, '../..');
export const scoringFile = join(repoRoot, 'content/scoring.yaml');
export const lifecycleFile = join(repoRoot, 'content/lifecycle.yaml');
export const generatedContentFile = join(repoRoot, 'functions/scoring/content.generated.json');
export const schemaFiles = {
  scoring: join(repoRoot, 'content/schemas/scoring.schema.json'),
  lifecycle: join(repoRoot, 'content/schemas/lifecycle.schema.json'),
};

function readYaml(file: string): unknown {
  try {
    return parse(readFileSync(file, 'utf8'), { prettyErrors: true });
  } catch (error) {
    throw new Error(`${file} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function validated<T extends z.ZodType>(schema: T, value: unknown, file: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`${file} is invalid:\n${z.prettifyError(result.error)}`);
  return result.data;
}

/** The generated module's text: both files, validated, as written (defaults are applied when it loads). */
export function generatedContent(files = { scoring: scoringFile, lifecycle: lifecycleFile }): string {
  const scoring = readYaml(files.scoring);
  const lifecycle = readYaml(files.lifecycle);
  validated(ScoringRules, scoring, files.scoring);
  validated(Lifecycle, lifecycle, files.lifecycle);
  return `${JSON.stringify({ scoring, lifecycle }, null, 2)}\n`;
}

export function jsonSchemas(): { scoring: string; lifecycle: string } {
  const render = (schema: z.ZodType, title: string) =>
    `${JSON.stringify({ ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }), title }, null, 2)}\n`;
  return {
    scoring: render(ScoringRules, 'Nurture lead scoring rules (content/scoring.yaml)'),
    lifecycle: render(Lifecycle, 'Nurture lifecycle stages (content/lifecycle.yaml)'),
  };
}

/** Rebuilds the generated module and the JSON Schemas (only files whose content changed are written). */
export function buildScoringContent(): void {
  writeIfChanged(generatedContentFile, generatedContent());
  const schemas = jsonSchemas();
  writeIfChanged(schemaFiles.scoring, schemas.scoring);
  writeIfChanged(schemaFiles.lifecycle, schemas.lifecycle);
}
