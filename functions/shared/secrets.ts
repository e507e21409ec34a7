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
 * A Secrets Manager secret's string through Powertools Parameters: cached for `maxAgeSeconds`, then read again, so a
 * rotated value is seen; a failed read is not cached. Concurrent first reads share one call. Powertools and the
 * Secrets Manager client are imported on the first read, so they add nothing to a hot function's module init.
 */
export function secretString(secretId: string, options: SecretOptions = {}): SecretSource {
  const maxAge = options.maxAgeSeconds ?? SECRET_MAX_AGE_SECONDS;
  let provider: Promise<{ get(name: string, options: { maxAge: number }): Promise<unknown> }> | undefined;
  let inFlight: Promise<string> | undefined;
  const read = async () => {
    provider ??= import('@aws-lambda-powertools/parameters/secrets').then(
      ({ SecretsProvider }) => new SecretsProvider(options.client ? { awsSdkV3Client: options.client } : {}),
    );
    provider.catch(() => (provider = undefined));
    const value = await (await provider).get(secretId, { maxAge });
    if (typeof value !== 'string') throw new Error('the secret has no string value');
    return value;
  };
  return () => {
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
