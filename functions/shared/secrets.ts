import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** How long a secret read from Secrets Manager is kept: a rotation reaches warm functions within this, no redeploy. */
export const SECRET_MAX_AGE_SECONDS = 300;

/** A secret's current value; called per request, cheap once cached. */
export type SecretSource<T = string> = () => Promise<T>;

export interface SecretOptions {
  /** @default SECRET_MAX_AGE_SECONDS */
  readonly maxAgeSeconds?: number;
  /** @default a client of the function's region */
  readonly client?: SecretsManagerClient;
}

/**
 * A Secrets Manager secret's string: kept for `maxAgeSeconds`, then read again, so a rotated value is seen; a failed
 * read is not kept. Concurrent reads share one call. The client is imported on the first read, so it stays out of
 * the module init of functions that bundle the SDK (see LAZY_SDK_MODULES in lib/shared/nurture-function.ts).
 * Written here rather than on Powertools Parameters: its provider classes cost the hot bundles about 4 KB for this
 * one cache (docs/benchmarks.md, "Bundles and module init").
 */
export function secretString(secretId: string, options: SecretOptions = {}): SecretSource {
  const maxAgeMs = (options.maxAgeSeconds ?? SECRET_MAX_AGE_SECONDS) * 1_000;
  let client = options.client;
  let cached: { readonly value: string; readonly expiresAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  const read = async () => {
    const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    client ??= new SecretsManagerClient({});
    const { SecretString: value } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (typeof value !== 'string') throw new Error('the secret has no string value');
    cached = { value, expiresAt: Date.now() + maxAgeMs };
    return value;
  };
  return () => {
    if (cached && Date.now() < cached.expiresAt) return Promise.resolve(cached.value);
    inFlight ??= read().finally(() => (inFlight = undefined));
    return inFlight;
  };
}

/** A Secrets Manager secret parsed by `parse`, once per value it reads (not per request), with the same TTL. */
export function parsedSecret<T>(secretId: string, parse: (value: string) => T, options?: SecretOptions): SecretSource<T> {
  const read = secretString(secretId, options);
  let last: { raw: string; parsed: T } | undefined;
  return async () => {
    const raw = await read();
    if (last?.raw !== raw) last = { raw, parsed: parse(raw) };
    return last.parsed;
  };
}

/**
 * A secret as a binding hands it over (`lib/shared/bindings.ts`): the Secrets Manager secret its ARN names in AWS,
 * or the value itself locally (parsed at once, so a bad local value fails at cold start), parsed the same way.
 */
export function secretFrom<T>(arn: string | undefined, localValue: () => string, parse: (value: string) => T, options?: SecretOptions): SecretSource<T> {
  if (arn) return parsedSecret(arn, parse, options);
  const value = parse(localValue());
  return async () => value;
}
