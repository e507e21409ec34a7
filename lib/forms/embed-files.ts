import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';
import { writeIfChanged } from '../shared/write-if-changed';

/**
 * The embed snippet (`functions/forms/embed/snippet.ts`, browser TypeScript) compiled to minified ES2017 in the JSON
 * module the forms function bundles and serves at `GET /embed.js` (`functions/forms/embed/snippet.generated.json`).
 * `npm run content` rebuilds it; a test fails when the committed module is stale.
 */
const repoRoot = join(import.meta.dirname, '../..');
export const embedSnippetFile = join(repoRoot, 'functions/forms/embed/snippet.ts');
export const generatedEmbedFile = join(repoRoot, 'functions/forms/embed/snippet.generated.json');

/** The generated module's text: `{ "source": <the minified script> }`, the same for the same snippet and esbuild. */
export function generatedEmbed(file = embedSnippetFile): string {
  const { code } = transformSync(readFileSync(file, 'utf8'), {
    loader: 'ts',
    sourcefile: 'snippet.ts',
    target: 'es2017',
    minify: true,
    legalComments: 'none',
  });
  return `${JSON.stringify({ source: code }, null, 2)}\n`;
}

/** Rebuilds the generated module (written only when its content changed). */
export function buildEmbed(): void {
  writeIfChanged(generatedEmbedFile, generatedEmbed());
}
