import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedContent, generatedContentFile, jsonSchemas, schemaFiles } from '../../lib/scoring/content-files';

describe('scoring and lifecycle content', () => {
  it('ships a generated module that matches content/scoring.yaml and content/lifecycle.yaml (run `npm run content`)', () => {
    expect(readFileSync(generatedContentFile, 'utf8')).toBe(generatedContent());
  });

  it('ships JSON Schemas for editors that match the zod schemas', () => {
    const schemas = jsonSchemas();
    expect(readFileSync(schemaFiles.scoring, 'utf8')).toBe(schemas.scoring);
    expect(readFileSync(schemaFiles.lifecycle, 'utf8')).toBe(schemas.lifecycle);
  });
});
