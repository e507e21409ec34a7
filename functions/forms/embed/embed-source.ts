import generated from './snippet.generated.json' with { type: 'json' };

/**
 * The embed snippet served at `GET /embed.js`: ES2017, no dependencies, well under 5 KB gzipped (the bench reports
 * its size). Written in `snippet.ts` and compiled by `npm run content` (lib/forms/embed-files.ts), so the function
 * serves it without a build step of its own; the browser tests run it.
 */
export const embedSource: string = generated.source;
