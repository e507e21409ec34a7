import { secretFrom, type SecretSource } from '../shared/secrets';
import { TokenSigner, parseSigningKeys } from './tokens';

/** Yields the token signer; called per request, cheap once cached. */
export type SignerSource = SecretSource<TokenSigner>;

/**
 * The signer from `EMAIL_SIGNING_KEYS` (`current,previous,…`, local runs and tests) or else from the Secrets
 * Manager secret `EMAIL_SIGNING_KEYS_SECRET_ARN` holds (same format, re-read after the secrets TTL). Rotation: put
 * `new,old` in the secret; links signed with `old` keep verifying until it is removed.
 */
export function signerFrom(env: { EMAIL_SIGNING_KEYS?: string | undefined; EMAIL_SIGNING_KEYS_SECRET_ARN?: string | undefined }): SignerSource {
  if (!env.EMAIL_SIGNING_KEYS && !env.EMAIL_SIGNING_KEYS_SECRET_ARN) {
    throw new Error('Invalid environment: EMAIL_SIGNING_KEYS or EMAIL_SIGNING_KEYS_SECRET_ARN is required');
  }
  return secretFrom(env.EMAIL_SIGNING_KEYS ? undefined : env.EMAIL_SIGNING_KEYS_SECRET_ARN, () => env.EMAIL_SIGNING_KEYS!, signerOf);
}

const signerOf = (keys: string) => new TokenSigner(parseSigningKeys(keys));
