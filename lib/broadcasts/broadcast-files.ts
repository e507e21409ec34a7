import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod';
import { BroadcastDefinition } from '../../functions/broadcasts/domain/broadcast';
import { checkDefinition, type BroadcastCatalog, type BroadcastExperiment } from '../../functions/broadcasts/domain/check';
import { ExperimentFile } from '../../functions/experiments/domain/experiment-file';
import { writeIfChanged } from '../shared/write-if-changed';

/**
 * Broadcast files (`content/broadcasts/<id>.yaml`), validated and compiled to the JSON module the broadcasts API
 * bundles (`functions/broadcasts/broadcasts.generated.json`: `POST /broadcasts { "file": "<id>" }` starts one),
 * with a JSON Schema for editors (`content/schemas/broadcast.schema.json`). `npm run content` rebuilds them.
 */
const repoRoot = join(import.meta.dirname, '../..');
export const broadcastsDir = join(repoRoot, 'content/broadcasts');
export const generatedBroadcastsFile = join(repoRoot, 'functions/broadcasts/broadcasts.generated.json');
export const broadcastSchemaFile = join(repoRoot, 'content/schemas/broadcast.schema.json');

/**
 * Templates, topics and the send window read from the content files themselves (generated modules may be stale
 * during a build), the segment ids of content/segments and the experiments of content/experiments (a broken
 * experiment file is the experiments build's to report: here it is simply not there).
 */
export function contentCatalog(contentDir = join(repoRoot, 'content')): BroadcastCatalog {
  const emailsDir = join(contentDir, 'emails');
  const templates = new Map<string, { kind: 'marketing' | 'transactional'; topic?: string }>();
  for (const entry of readdirSync(emailsDir, { withFileTypes: true })) {
    const file = join(emailsDir, entry.name, 'template.yaml');
    if (!entry.isDirectory() || entry.name.startsWith('_') || !existsSync(file)) continue;
    const meta = parse(readFileSync(file, 'utf8')) as { kind: 'marketing' | 'transactional'; topic?: string };
    templates.set(entry.name, { kind: meta.kind, ...(meta.topic ? { topic: meta.topic } : {}) });
  }
  const email = parse(readFileSync(join(contentDir, 'email.yaml'), 'utf8')) as { topics: { id: string }[]; sendWindow: { start: string; end: string } };
  const smsDir = join(contentDir, 'sms');
  const smsTemplates = new Set(existsSync(smsDir) ? readdirSync(smsDir).flatMap((file) => (/\.ya?ml$/.test(file) ? [file.replace(/\.ya?ml$/, '')] : [])) : []);
  const segmentIds = new Set(readdirSync(join(contentDir, 'segments')).flatMap((file) => (/\.ya?ml$/.test(file) ? [file.replace(/\.ya?ml$/, '')] : [])));
  const experiments = new Map<string, BroadcastExperiment>();
  const experimentsDir = join(contentDir, 'experiments');
  for (const file of existsSync(experimentsDir) ? readdirSync(experimentsDir) : []) {
    if (!/\.ya?ml$/.test(file)) continue;
    const parsed = ExperimentFile.safeParse(parse(readFileSync(join(experimentsDir, file), 'utf8')));
    if (parsed.success) experiments.set(parsed.data.id, parsed.data);
  }
  return {
    template: (id) => templates.get(id),
    topics: email.topics.map((topic) => topic.id),
    sendWindow: email.sendWindow,
    segmentExists: (id) => segmentIds.has(id),
    smsTemplate: (id) => smsTemplates.has(id),
    experiment: (id) => experiments.get(id),
  };
}

/** The generated module's text: every broadcast file, validated, named after its id, in id order. */
export function generatedBroadcasts(dir = broadcastsDir, catalog = contentCatalog()): string {
  const definitions: BroadcastDefinition[] = [];
  const names = existsSync(dir) ? readdirSync(dir).filter((file) => /\.ya?ml$/.test(file)).sort() : [];
  for (const name of names) {
    const path = join(dir, name);
    let value: unknown;
    try {
      value = parse(readFileSync(path, 'utf8'), { prettyErrors: true });
    } catch (error) {
      throw new Error(`${path} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
    }
    const result = BroadcastDefinition.safeParse(value);
    if (!result.success) throw new Error(`${path} is invalid:\n${z.prettifyError(result.error)}`);
    if (name.replace(/\.ya?ml$/, '') !== result.data.id) throw new Error(`${path} declares id "${result.data.id}": name the file after its id`);
    const problems = checkDefinition(result.data, catalog);
    if (problems.length > 0) throw new Error(`${path} is invalid:\n${problems.map((p) => `  ${p.field}: ${p.message}`).join('\n')}`);
    definitions.push(result.data);
  }
  return `${JSON.stringify(definitions, null, 2)}\n`;
}

export function broadcastJsonSchema(): string {
  return `${JSON.stringify({ ...z.toJSONSchema(BroadcastDefinition, { io: 'input', unrepresentable: 'any' }), title: 'Nurture broadcast (content/broadcasts/<id>.yaml)' }, null, 2)}\n`;
}

/** Rebuilds the generated module and the JSON Schema (only files whose content changed are written). */
export function buildBroadcastFiles(): number {
  const text = generatedBroadcasts();
  writeIfChanged(generatedBroadcastsFile, text);
  writeIfChanged(broadcastSchemaFile, broadcastJsonSchema());
  return (JSON.parse(text) as unknown[]).length;
}
