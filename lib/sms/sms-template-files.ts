import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Liquid } from 'liquidjs';
import { parse } from 'yaml';
import * as z from 'zod';
import { loadSmsTemplates, SmsTemplateFile } from '../../functions/sms/domain/sms-template';
import { outputsWithoutDefault } from '../email/compile-templates';
import { contentDir, repoRoot } from '../journeys/journey-files';
import { writeIfChanged } from '../shared/write-if-changed';

/** Where SMS templates live, and the generated module the SMS functions bundle and the local runtime import. */
export const smsTemplatesDir = join(contentDir, 'sms');
export const generatedSmsTemplatesFile = join(repoRoot, 'functions/sms/sms-templates.generated.json');
export const smsTemplateSchemaFile = join(contentDir, 'schemas/sms-template.schema.json');

/** Every `content/sms/*.yaml`, parsed from YAML (not yet validated), by file name. */
export function readSmsTemplateFiles(dir = smsTemplatesDir): Record<string, unknown> {
  const files: Record<string, unknown> = {};
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir).filter((file) => /\.ya?ml$/.test(file)).sort()) {
    try {
      files[name] = parse(readFileSync(join(dir, name), 'utf8'), { prettyErrors: true });
    } catch (error) {
      throw new Error(`SMS template ${name} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return files;
}

/**
 * The templates validated: the schema, file names, Liquid that parses with the email templates' filters, and a
 * `default` on every `contact.*`/`data.*` output (as email templates must have), so no text goes out with a hole.
 */
export function validatedSmsTemplates(dir = smsTemplatesDir): { files: Record<string, unknown>; templates: ReadonlyMap<string, SmsTemplateFile> } {
  const files = readSmsTemplateFiles(dir);
  const templates = loadSmsTemplates(files);
  const engine = new Liquid({ strictFilters: true });
  const problems: string[] = [];
  for (const template of templates.values()) {
    try {
      engine.parse(template.body);
    } catch (error) {
      problems.push(`content/sms/${template.id}.yaml body: ${error instanceof Error ? error.message : String(error)}`);
    }
    const missing = outputsWithoutDefault(template.body);
    if (missing.length > 0) problems.push(`content/sms/${template.id}.yaml body: give every contact/data output a default: ${missing.join(', ')}`);
  }
  if (problems.length) throw new Error(`SMS templates have problems:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  return { files, templates };
}

/** The JSON Schema editors use to autocomplete and check SMS templates, generated from the zod schema. */
export function smsTemplateJsonSchema(): string {
  const schema = z.toJSONSchema(SmsTemplateFile, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Nurture SMS template' }, null, 2)}\n`;
}

/** Validates the SMS templates and regenerates their module and JSON Schema (`npm run content`, `npm start`, `cdk synth`). */
export function buildSmsTemplates(dir = smsTemplatesDir): ReadonlyMap<string, SmsTemplateFile> {
  const { files, templates } = validatedSmsTemplates(dir);
  writeIfChanged(generatedSmsTemplatesFile, `${JSON.stringify(files, null, 2)}\n`);
  writeIfChanged(smsTemplateSchemaFile, smsTemplateJsonSchema());
  return templates;
}
