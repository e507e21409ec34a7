import files from './broadcasts.generated.json' with { type: 'json' };
import * as z from 'zod';
import { BroadcastDefinition } from './domain/broadcast';

/**
 * The broadcasts of `content/broadcasts/*.yaml`, by id, as `npm run content` validated and generated them
 * (lib/broadcasts/broadcast-files.ts); parsed again as this module loads, so a broken build never serves.
 */
export const broadcastFiles: ReadonlyMap<string, BroadcastDefinition> = new Map(
  z.array(BroadcastDefinition).parse(files).map((definition) => [definition.id, definition]),
);
