import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretString } from './secrets';
import { Unauthorized, header, type HttpEvent, type HttpResult } from './http';

/** Yields the admin token; called on every request, so implementations cache. */
export type TokenSource = () => Promise<string>;

/** Rejects, with 401, every request whose `Authorization: Bearer <token>` does not match the admin token. */
export function adminAuth(token: TokenSource): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async (request) => {
      const presented = /^Bearer\s+(\S+)\s*$/i.exec(header(request.event, 'authorization') ?? '')?.[1];
      if (!presented || !sameSecret(presented, await token())) throw new Unauthorized();
    },
  };
}

/** Compares digests so neither the length nor the content of the token leaks through timing. */
function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

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
