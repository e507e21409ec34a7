import * as z from 'zod';

/** The form capability's secrets: the HMAC signing key and the captcha providers' secret keys. */
export const FormSecrets = z.object({
  signingKey: z.string().min(16),
  turnstileSecret: z.string().min(1).optional(),
  recaptchaSecret: z.string().min(1).optional(),
});
export type FormSecrets = z.infer<typeof FormSecrets>;

/**
 * In AWS: one Secrets Manager secret (a JSON object), read on first use and cached for the container's life.
 * Locally: environment variables. Either way the handler gets one async source.
 */
export function formSecretsFrom(env: {
  FORM_SECRETS_ARN?: string | undefined;
  FORM_SIGNING_KEY?: string | undefined;
  TURNSTILE_SECRET?: string | undefined;
  RECAPTCHA_SECRET?: string | undefined;
}): () => Promise<FormSecrets> {
  if (!env.FORM_SECRETS_ARN) {
    const secrets = FormSecrets.parse({
      signingKey: env.FORM_SIGNING_KEY ?? 'local-form-signing-key-not-for-production',
      turnstileSecret: env.TURNSTILE_SECRET,
      recaptchaSecret: env.RECAPTCHA_SECRET,
    });
    return async () => secrets;
  }
  const read = lazySecretString(env.FORM_SECRETS_ARN);
  return async () => FormSecrets.parse(JSON.parse(await read()));
}

/**
 * A Secrets Manager secret's string, read on first use and cached for the container's life (read again after a
 * failure). The client is imported on first use, so it adds nothing to the module init of a hot function.
 */
export function lazySecretString(secretId: string): () => Promise<string> {
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= import('@aws-sdk/client-secrets-manager')
      .then(({ GetSecretValueCommand, SecretsManagerClient }) =>
        new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretId })),
      )
      .then((secret) => {
        if (!secret.SecretString) throw new Error('the secret has no string value');
        return secret.SecretString;
      });
    cached.catch(() => (cached = undefined));
    return cached;
  };
}
