import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BaseProvider } from '@aws-lambda-powertools/parameters/base';

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
 * Powertools Parameters' provider (its cache with a max age, its error types) over a Secrets Manager client imported
 * on the first read. Powertools' own SecretsProvider imports the client statically, which would load it at every
 * cold start of a function that bundles the SDK (see LAZY_SDK_MODULES in lib/shared/nurture-function.ts).
 */
class LazySecretsProvider extends BaseProvider {
  private sdkClient: Promise<SecretsManagerClient> | undefined;

  constructor(private readonly given?: SecretsManagerClient) {
    super({});
  }

  protected async _get(name: string): Promise<string | undefined> {
    const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    this.sdkClient ??= Promise.resolve(this.given ?? new SecretsManagerClient({}));
    const secret = await (await this.sdkClient).send(new GetSecretValueCommand({ SecretId: name }));
    return secret.SecretString;
  }

  protected _getMultiple(): Promise<Record<string, unknown> | undefined> {
    throw new Error('a secret is read by its name');
  }
}

/**
 * A Secrets Manager secret's string: cached for `maxAgeSeconds` by Powertools Parameters, then read again, so a
 * rotated value is seen; a failed read is not cached. Concurrent first reads share one call.
 */
export function secretString(secretId: string, options: SecretOptions = {}): SecretSource {
  const maxAge = options.maxAgeSeconds ?? SECRET_MAX_AGE_SECONDS;
  const provider = new LazySecretsProvider(options.client);
  let inFlight: Promise<string> | undefined;
  const read = async () => {
    const value = await provider.get(secretId, { maxAge });
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
