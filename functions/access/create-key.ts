import * as z from 'zod';
import { expiryAfter, SCOPES } from './domain/access';
import { newApiKey } from './key-secrets';
import type { ApiKeyStore, KeySummary } from './ports';

/** A key to create, from `POST /keys` or `npm run keys -- create`. */
export const NewKey = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u, 'no control or format characters'),
  scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
  /** How long the key is valid: `90d`, `12h`, `2w` (up to 99999 units). Omitted: it does not expire. */
  expiresIn: z.string().regex(/^\d{1,5}[hdw]$/, 'a span such as 90d, 12h or 2w').optional(),
});
export type NewKey = z.infer<typeof NewKey>;

/** A created key: the key itself, shown this once, and what is stored about it. */
export interface CreatedKey extends KeySummary {
  readonly key: string;
}

/** Creates and stores a key; only the hash of its secret is kept. */
export async function createKey(store: ApiKeyStore, request: NewKey, createdBy: string, now: Date): Promise<CreatedKey> {
  const { keyId, key, secretHash } = newApiKey();
  const expiresOn = request.expiresIn ? expiryAfter(request.expiresIn, now) : undefined;
  if (request.expiresIn && !expiresOn) throw new Error(`not a valid span: ${request.expiresIn}`);
  const summary: KeySummary = {
    keyId,
    name: request.name,
    scopes: [...new Set(request.scopes)],
    createdAt: now.toISOString(),
    createdBy,
    ...(expiresOn ? { expiresOn } : {}),
  };
  await store.create({ ...summary, secretHash });
  return { key, ...summary };
}
