import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { TokenSigner, parseSigningKeys } from './tokens';

/** Yields the token signer; called per request, so implementations cache. */
export type SignerSource = () => Promise<TokenSigner>;

/** Keys re-read this often from Secrets Manager, so a rotation reaches warm functions without a redeploy. */
const SECRET_TTL_MS = 5 * 60_000;

/**
 * The signer from `EMAIL_SIGNING_KEYS` (`current,previous,…`, local runs and tests) or else from the Secrets
 * Manager secret `EMAIL_SIGNING_KEYS_SECRET_ARN` holds (same format). Rotation: put `new,old` in the secret;
 * links signed with `old` keep verifying until it is removed.
 */
export function signerFrom(env: { EMAIL_SIGNING_KEYS?: string; EMAIL_SIGNING_KEYS_SECRET_ARN?: string }): SignerSource {
  if (env.EMAIL_SIGNING_KEYS) {
    const signer = new TokenSigner(parseSigningKeys(env.EMAIL_SIGNING_KEYS));
    return async () => signer;
  }
  if (!env.EMAIL_SIGNING_KEYS_SECRET_ARN) {
    throw new Error('Invalid environment: EMAIL_SIGNING_KEYS or EMAIL_SIGNING_KEYS_SECRET_ARN is required');
  }
  return secretSigner(env.EMAIL_SIGNING_KEYS_SECRET_ARN);
}

export function secretSigner(secretId: string, client = new SecretsManagerClient({})): SignerSource {
  let cached: { signer: Promise<TokenSigner>; at: number } | undefined;
  return () => {
    if (!cached || Date.now() - cached.at > SECRET_TTL_MS) {
      const signer = client.send(new GetSecretValueCommand({ SecretId: secretId })).then((secret) => {
        if (!secret.SecretString) throw new Error('email signing-key secret has no string value');
        return new TokenSigner(parseSigningKeys(secret.SecretString));
      });
      const entry = { signer, at: Date.now() };
      cached = entry;
      signer.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.signer;
  };
}
