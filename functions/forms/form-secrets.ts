import * as z from 'zod';
import { secretFrom } from '../shared/secrets';
import type { CaptchaSettings, FormDefinition } from './domain/form-definition';

/** The form capability's secrets: the HMAC signing key and the captcha providers' secret keys. */
export const FormSecrets = z.object({
  signingKey: z.string().min(16),
  turnstileSecret: z.string().min(1).optional(),
  recaptchaSecret: z.string().min(1).optional(),
});
export type FormSecrets = z.infer<typeof FormSecrets>;

/**
 * In AWS: one Secrets Manager secret (a JSON object), read on first use and re-read after the secrets TTL, so a
 * rotated key is used without a redeploy. Locally: environment variables. Either way the handler gets one async
 * source.
 */
export function formSecretsFrom(env: {
  FORM_SECRETS_ARN?: string | undefined;
  FORM_SIGNING_KEY?: string | undefined;
  TURNSTILE_SECRET?: string | undefined;
  RECAPTCHA_SECRET?: string | undefined;
}): () => Promise<FormSecrets> {
  const local = () =>
    JSON.stringify({
      signingKey: env.FORM_SIGNING_KEY ?? 'local-form-signing-key-not-for-production',
      turnstileSecret: env.TURNSTILE_SECRET,
      recaptchaSecret: env.RECAPTCHA_SECRET,
    });
  return secretFrom(env.FORM_SECRETS_ARN, local, (value) => FormSecrets.parse(JSON.parse(value)));
}

/** Where each captcha provider's secret key is configured: locally an environment variable, in AWS a key of the secret. */
export const CAPTCHA_SECRETS = {
  turnstile: { variable: 'TURNSTILE_SECRET', key: 'turnstileSecret' },
  recaptcha: { variable: 'RECAPTCHA_SECRET', key: 'recaptchaSecret' },
} as const satisfies Record<CaptchaSettings['provider'], { variable: string; key: keyof FormSecrets }>;

/**
 * Fails (at cold start, and so at `npm start`) when a form declares a captcha whose provider's secret key is not
 * configured: such a form would refuse every person or, worse, let every bot through. The secret is read only
 * when some form has a captcha. `secretName` is the forms secret in AWS; undefined locally.
 */
export async function requireCaptchaSecrets(
  forms: Iterable<FormDefinition>,
  secrets: () => Promise<FormSecrets>,
  secretName?: string,
): Promise<void> {
  const withCaptcha = [...forms].filter((form) => form.captcha);
  if (withCaptcha.length === 0) return;
  const configured = await secrets();
  const missing = withCaptcha.flatMap((form) => {
    const { variable, key } = CAPTCHA_SECRETS[form.captcha!.provider];
    if (configured[key]) return [];
    const where = secretName ? `"${key}" in the forms secret ${secretName}` : `the environment variable ${variable}`;
    return [`form "${form.id}" declares a ${form.captcha!.provider} captcha but ${where} is not set`];
  });
  if (missing.length > 0) throw new Error(`Invalid configuration: ${missing.join('; ')} (docs/forms.md, Secrets)`);
}
