import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { parse } from 'yaml';
import { JourneyFile, loadJourneys, type Journey } from '../../functions/journeys/domain/journey-file';
import { validateJourney, type ValidationContext } from './validate';
import { LOCK_FILE, lockProblems, nextJourneyLock, readJourneyLock } from './journey-lock';
import { writeIfChanged } from '../shared/write-if-changed';

/** Where journey files live, and the generated module the Lambda bundles and the local runtime import. */
export const repoRoot = join(import.meta.dirname, '../..');
export const journeysDir = join(repoRoot, 'statemachines');
export const generatedJourneysFile = join(repoRoot, 'functions/journeys/journeys.generated.json');
export const journeySchemaFile = join(journeysDir, 'journey.schema.json');
export const contentDir = join(repoRoot, 'content');

/** Every `statemachines/*.yaml`, parsed from YAML (not yet validated), by file name. */
export function readJourneyFiles(dir = journeysDir): Record<string, unknown> {
  const files: Record<string, unknown> = {};
  for (const name of readdirSync(dir).filter((file) => /\.ya?ml$/.test(file)).sort()) {
    const text = readFileSync(join(dir, name), 'utf8');
    try {
      files[name] = parse(text, { prettyErrors: true });
    } catch (error) {
      throw new Error(`Journey file ${name} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return files;
}

/**
 * The templates, forms and stages journeys may name, read from the content files themselves (not from generated
 * modules, which may be stale during a build): `content/emails/<id>/`, `content/forms/*.json`, `content/lifecycle.yaml`.
 */
export function contentContext(dir = contentDir): ValidationContext {
  const emailsDir = join(dir, 'emails');
  const templates = readdirSync(emailsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_') && existsSync(join(emailsDir, entry.name, 'template.yaml')))
    .map((entry) => entry.name);
  const formsDir = join(dir, 'forms');
  const forms = readdirSync(formsDir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => String((JSON.parse(readFileSync(join(formsDir, file), 'utf8')) as { id?: unknown }).id));
  const lifecycle = parse(readFileSync(join(dir, 'lifecycle.yaml'), 'utf8')) as { stages?: { id: string }[]; sideStages?: { id: string }[] };
  const stages = [...(lifecycle.stages ?? []), ...(lifecycle.sideStages ?? [])].map((stage) => stage.id);
  const segmentsDir = join(dir, 'segments');
  const segments = existsSync(segmentsDir) ? readdirSync(segmentsDir).flatMap((file) => (/\.ya?ml$/.test(file) ? [file.replace(/\.ya?ml$/, '')] : [])) : [];
  const experimentsDir = join(dir, 'experiments');
  const experiments = existsSync(experimentsDir) ? readdirSync(experimentsDir).filter((file) => /\.ya?ml$/.test(file)).map((file) => file.replace(/\.ya?ml$/, '')) : [];
  const smsDir = join(dir, 'sms');
  const smsTemplates = existsSync(smsDir) ? readdirSync(smsDir).flatMap((file) => (/\.ya?ml$/.test(file) ? [file.replace(/\.ya?ml$/, '')] : [])) : [];
  return { templates: new Set(templates), smsTemplates: new Set(smsTemplates), forms: new Set(forms), stages: new Set(stages), experiments: new Set(experiments), segments: new Set(segments) };
}

/**
 * The generated module's content: the raw journey files, validated (schema, file names, and {@link validateJourney}
 * against the content: templates and forms exist, every step reachable, no loop without a wait), in a stable order.
 */
export function generatedJourneys(dir = journeysDir, context: ValidationContext = contentContext()): { text: string; lock: string; journeys: ReadonlyMap<string, Journey> } {
  const files = readJourneyFiles(dir);
  const journeys = loadJourneys(files);
  for (const [file, content] of Object.entries(files)) {
    const id = (content as { id?: unknown }).id;
    if (`${String(id)}.yaml` !== file && `${String(id)}.yml` !== file) {
      throw new Error(`Journey file ${file} declares id "${String(id)}": name the file after its id`);
    }
  }
  const lock = readJourneyLock(dir);
  const problems = [...[...journeys.values()].flatMap((journey) => validateJourney(journey, context)), ...lockProblems(journeys, lock)];
  if (problems.length) throw new Error(`Journey files have problems:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  return { text: `${JSON.stringify(files, null, 2)}\n`, lock: nextJourneyLock(journeys, lock), journeys };
}

/** The JSON Schema editors use to autocomplete and check journey files, generated from the zod schema. */
export function journeyJsonSchema(): string {
  const schema = z.toJSONSchema(JourneyFile, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Nurture journey file' }, null, 2)}\n`;
}

/**
 * Validates the journey files (against the content and the versions lock) and regenerates the journeys module, the
 * JSON Schema and the lock; `npm start` and `cdk synth` call it, so a journey naming a missing template, or a
 * `migrate` journey that lost a step without mapping it, fails them before anything is written.
 */
export function buildJourneys(dir = journeysDir): ReadonlyMap<string, Journey> {
  const { text, lock, journeys } = generatedJourneys(dir);
  writeIfChanged(generatedJourneysFile, text);
  writeIfChanged(join(dir, LOCK_FILE), lock);
  writeIfChanged(journeySchemaFile, journeyJsonSchema());
  return journeys;
}
