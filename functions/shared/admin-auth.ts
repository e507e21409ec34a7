import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretString } from './secrets';

/**
 * Secret tokens a function reads from its environment: the bootstrap admin token (the authorizer compares it, see
 * functions/access) and signing secrets. Private routes are guarded by API keys, not by a token checked here.
 */

/** Yields the token; called on every request, so implementations cache. */
export type TokenSource = () => Promise<string>;

/**
 * The token from a Secrets Manager secret, re-read after a TTL (`functions/shared/secrets.ts`) so a rotated token is
 * accepted without a redeploy (and read again on the next request after a failed read).
 */
export function secretToken(secretId: string, client?: SecretsManagerClient): TokenSource {
  return secretString(secretId, client ? { client } : {});
}

export const staticToken =
  (value: string): TokenSource =>
  async () =>
    value;

/**
 * A secret token from the environment, checked at cold start: the Secrets Manager secret in `<NAME>_SECRET_ARN`
 * (AWS), or the value itself in `<NAME>` (the local runtime and tests), at least 16 characters.
 */
export function tokenFromEnv(env: Readonly<Record<string, string | undefined>>, name: string): TokenSource {
  const arn = env[`${name}_SECRET_ARN`];
  if (arn) return secretToken(arn);
  const value = env[name];
  if (!value || value.length < 16) throw new Error(`Invalid environment: ${name}_SECRET_ARN or ${name} (16+ characters) is required`);
  return staticToken(value);
}
