import * as z from 'zod';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { DynamoTracking } from '../tracking/dynamo-tracking';
import { httpCaptchaVerifier } from './captcha';
import { disposableDomains } from './disposable-domains';
import { DynamoIntake } from './dynamo-intake';
import { formSecretsFrom, requireCaptchaSecrets } from './form-secrets';
import { forms } from './forms';
import { Signer } from './signing';
import { makeSubmitFormHandler } from './submit-form';

const env = parseEnv({
  TABLE_NAME: z.string().min(1),
  /** In AWS: the secret holding `{ signingKey, turnstileSecret?, recaptchaSecret? }`. */
  FORM_SECRETS_ARN: z.string().min(1).optional(),
  /** Locally: the signing key and captcha secrets themselves. */
  FORM_SIGNING_KEY: z.string().min(16).optional(),
  TURNSTILE_SECRET: z.string().min(1).optional(),
  RECAPTCHA_SECRET: z.string().min(1).optional(),
  /** Locally: a fake of the providers' verify endpoints. */
  TURNSTILE_VERIFY_URL: z.url().optional(),
  RECAPTCHA_VERIFY_URL: z.url().optional(),
});
const secrets = formSecretsFrom(env);
await requireCaptchaSecrets(forms.values(), secrets, env.FORM_SECRETS_ARN);
const logger = createLogger('forms');
const tracking = new DynamoTracking(documentClient, env.TABLE_NAME);

export const handler = makeSubmitFormHandler({
  forms,
  intake: new DynamoIntake(documentClient, env.TABLE_NAME),
  clock: systemClock,
  logger,
  signer: new Signer(async () => (await secrets()).signingKey),
  captcha: httpCaptchaVerifier({
    secrets: {
      turnstile: async () => (await secrets()).turnstileSecret,
      recaptcha: async () => (await secrets()).recaptchaSecret,
    },
    endpoints: {
      ...(env.TURNSTILE_VERIFY_URL ? { turnstile: env.TURNSTILE_VERIFY_URL } : {}),
      ...(env.RECAPTCHA_VERIFY_URL ? { recaptcha: env.RECAPTCHA_VERIFY_URL } : {}),
    },
    logger,
  }),
  isDisposable: disposableDomains(),
  mergeAnonymous: (anonymousId) => tracking.mergeAnonymous(anonymousId).then(() => undefined),
});
