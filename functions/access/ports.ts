import * as z from 'zod';
import { SCOPES, type KeyRecord, type PersonToken } from './domain/access';

/** A stored API key, parsed back with the schema that wrote it. */
export const StoredKey = z.object({
  keyId: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  secretHash: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
  createdBy: z.string().optional(),
  expiresOn: z.string().optional(),
  revokedAt: z.string().optional(),
  lastUsedAt: z.string().optional(),
});
export type StoredKey = z.infer<typeof StoredKey>;

/** A key as listed: everything but the secret's hash. */
export type KeySummary = Omit<StoredKey, 'secretHash'>;

/** Where API keys are kept. */
export interface ApiKeyStore {
  /** Stores a new key; fails if the id is taken (ids are random, so never in practice). */
  create(record: StoredKey): Promise<void>;
  get(keyId: string): Promise<KeyRecord | undefined>;
  /** Every key, oldest first. */
  list(): Promise<KeySummary[]>;
  /** Marks the key revoked at `at` (once: a second revoke keeps the first time). False when there is no such key. */
  revoke(keyId: string, at: string): Promise<boolean>;
  /** Records a use at `at`, unless one at or after `notBefore` is already recorded. */
  touch(keyId: string, at: string, notBefore: string): Promise<void>;
  /** Creates or resets a key to exactly this record (the local runtime's development key). */
  put(record: StoredKey): Promise<void>;
}

/** Checks a person's console sign-in token (a Cognito access token). */
export interface PersonTokenVerifier {
  /** The token's verified claims, or undefined when it is invalid, expired, or not an access token of the console. */
  verify(token: string): Promise<PersonToken | undefined>;
}
