import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { parse } from 'yaml';
import { JourneyFile, loadJourneys, type Journey } from '../../functions/journeys/domain/journey-file';

/** Where journey files live, and the generated module the Lambda bundles and the local runtime import. */
export const repoRoot = join(import.meta.dirname, '../..');
export const journeysDir = join(repoRoot, 'statemachines');
export const generatedJourneysFile = join(repoRoot, 'functions/journeys/journeys.generated.json');
export const journeySchemaFile = join(journeysDir, 'journey.schema.json');

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

/** The generated module's content: the raw journey files, validated, in a stable order. */
export function generatedJourneys(dir = journeysDir): { text: string; journeys: ReadonlyMap<string, Journey> } {
  const files = readJourneyFiles(dir);
  const journeys = loadJourneys(files);
  for (const [file, content] of Object.entries(files)) {
    const id = (content as { id?: unknown }).id;
    if (`${String(id)}.yaml` !== file && `${String(id)}.yml` !== file) {
      throw new Error(`Journey file ${file} declares id "${String(id)}": name the file after its id`);
    }
  }
  return { text: `${JSON.stringify(files, null, 2)}\n`, journeys };
}

/** The JSON Schema editors use to autocomplete and check journey files, generated from the zod schema. */
export function journeyJsonSchema(): string {
  const schema = z.toJSONSchema(JourneyFile, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Nurture journey file' }, null, 2)}\n`;
}

/** Regenerates the journeys module and the JSON Schema; `npm start` and `cdk synth` call it. */
export function buildJourneys(): ReadonlyMap<string, Journey> {
  const { text, journeys } = generatedJourneys();
  writeIfChanged(generatedJourneysFile, text);
  writeIfChanged(journeySchemaFile, journeyJsonSchema());
  return journeys;
}

function writeIfChanged(file: string, text: string): void {
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== text) writeFileSync(file, text);
}
