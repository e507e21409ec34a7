import { secretString, type SecretSource } from './secrets';

/** The suppression list's HMAC key from a function's environment: the secret in AWS, the value itself locally. */
export function suppressionKeyFromEnv(env: { readonly SUPPRESSION_KEY_SECRET_ARN?: string; readonly SUPPRESSION_KEY?: string }): SecretSource {
  if (env.SUPPRESSION_KEY_SECRET_ARN) return secretString(env.SUPPRESSION_KEY_SECRET_ARN);
  const value = env.SUPPRESSION_KEY;
  if (!value) throw new Error('Invalid environment: SUPPRESSION_KEY_SECRET_ARN or SUPPRESSION_KEY is required');
  return async () => value;
}
