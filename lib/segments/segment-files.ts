import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod';
import { loadSegments, SegmentFile, unknownStagesOf, type Segment } from '../../functions/segments/domain/segment-file';
import { contentContext, contentDir, repoRoot } from '../journeys/journey-files';
import { writeIfChanged } from '../shared/write-if-changed';

/** Where segment files live, and the generated module the Lambda bundles and the local runtime import. */
export const segmentsDir = join(contentDir, 'segments');
export const generatedSegmentsFile = join(repoRoot, 'functions/segments/segments.generated.json');
/** Each segment's file as shipped (`GET /segments/{segmentId}` shows it): its path and YAML text, by segment id. */
export const generatedSegmentSourcesFile = join(repoRoot, 'functions/segments/segment-sources.generated.json');
export const segmentSchemaFile = join(contentDir, 'schemas/segment.schema.json');

/** Every `content/segments/*.yaml`, parsed from YAML (not yet validated), by file name. */
export function readSegmentFiles(dir = segmentsDir): Record<string, unknown> {
  const files: Record<string, unknown> = {};
  for (const name of readdirSync(dir).filter((file) => /\.ya?ml$/.test(file)).sort()) {
    try {
      files[name] = parse(readFileSync(join(dir, name), 'utf8'), { prettyErrors: true });
    } catch (error) {
      throw new Error(`Segment file ${name} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return files;
}

/** Every `content/segments/*.yaml` as its text, by file name. */
export function readSegmentTexts(dir = segmentsDir): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const name of readdirSync(dir).filter((file) => /\.ya?ml$/.test(file)).sort()) texts[name] = readFileSync(join(dir, name), 'utf8');
  return texts;
}

/**
 * The segment files validated: the schema, each file named after its id, and every stage a condition compares with
 * declared in content/lifecycle.yaml (a misspelt stage would silently match nobody).
 */
export function validatedSegments(dir = segmentsDir): { files: Record<string, unknown>; segments: ReadonlyMap<string, Segment> } {
  const files = readSegmentFiles(dir);
  const segments = loadSegments(files);
  const problems: string[] = [];
  for (const [file, content] of Object.entries(files)) {
    const id = String((content as { id?: unknown }).id);
    if (`${id}.yaml` !== file && `${id}.yml` !== file) problems.push(`${file} declares id "${id}": name the file after its id`);
  }
  const { stages } = contentContext();
  if (stages) for (const segment of segments.values()) problems.push(...unknownStagesOf(segment, stages).map((problem) => `${segment.id}: ${problem}`));
  if (problems.length) throw new Error(`Segment files have problems:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  return { files, segments };
}

/** The JSON Schema editors use to autocomplete and check segment files, generated from the zod schema. */
export function segmentJsonSchema(): string {
  const schema = z.toJSONSchema(SegmentFile, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Nurture segment file' }, null, 2)}\n`;
}

/** Validates the segment files and regenerates the segments module and the JSON Schema (`npm run content`, `npm start`, `cdk synth`). */
export function buildSegments(dir = segmentsDir): ReadonlyMap<string, Segment> {
  const { files, segments } = validatedSegments(dir);
  writeIfChanged(generatedSegmentsFile, `${JSON.stringify(files, null, 2)}\n`);
  const texts = readSegmentTexts(dir);
  const sources = Object.fromEntries(
    Object.entries(files).map(([name, content]) => [String((content as { id: unknown }).id), { path: `content/segments/${name}`, content: texts[name] ?? '' }]),
  );
  writeIfChanged(generatedSegmentSourcesFile, `${JSON.stringify(sources, null, 2)}\n`);
  writeIfChanged(segmentSchemaFile, segmentJsonSchema());
  return segments;
}
