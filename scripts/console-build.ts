import { join } from 'node:path';
import { buildConsole } from '../local/console';

/** `npm run console:build`: builds the console app into console/dist (Vite), whatever the last build was. */
const { ms } = await buildConsole(join(import.meta.dirname, '..'), { force: true });
console.log(`Built the console into console/dist in ${(ms / 1000).toFixed(1)} s.`);
