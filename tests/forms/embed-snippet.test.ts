import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { embedSource } from '../../functions/forms/embed/embed-source';
import { generatedEmbed, generatedEmbedFile } from '../../lib/forms/embed-files';

describe('the embed snippet built from functions/forms/embed/snippet.ts', () => {
  it('ships a generated module that matches snippet.ts (run `npm run content`)', () => {
    expect(readFileSync(generatedEmbedFile, 'utf8')).toBe(generatedEmbed());
  });

  it('serves the compiled script, minified and free of the TypeScript it was written in', () => {
    expect(embedSource).toMatch(/^\(function\(\)\{"use strict";/);
    expect(embedSource).not.toMatch(/\binterface\b|\n\s+/);
  });
});
