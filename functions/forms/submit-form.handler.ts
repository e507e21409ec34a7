import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoTracking } from '../tracking/dynamo-tracking';
import { httpCaptchaVerifier } from './captcha';
import { disposableDomains } from './disposable-domains';
import { DynamoIntake } from './dynamo-intake';
import { formSecretsFrom, requireCaptchaSecrets } from './form-secrets';
import { forms } from './forms';
import { Signer } from './signing';
import { suppressionKeyFromEnv } from '../shared/suppression-key';
import { makeSubmitFormHandler } from './submit-form';
import { businessMetrics, MetricService, publishingMetrics } from '../shared/metrics';
import { countingLeads } from './lead-metrics';
import { withSiteOrigins } from './site-origins';

const env = environmentFor('submitForm');
const secrets = formSecretsFrom(env);
await requireCaptchaSecrets(forms.values(), secrets, env.FORM_SECRETS_ARN);
const logger = createLogger('forms');
const tracking = new DynamoTracking(documentClient, env.TABLE_NAME, Number(env.RAW_EVENT_RETENTION_DAYS));
const metrics = businessMetrics(env.POWERTOOLS_METRICS_NAMESPACE, MetricService.forms);

export const handler = publishingMetrics(metrics, makeSubmitFormHandler({
  forms: withSiteOrigins(forms, env.FORM_ALLOWED_ORIGINS),
  intake: countingLeads(new DynamoIntake(documentClient, env.TABLE_NAME, suppressionKeyFromEnv(env), Number(env.IDEMPOTENCY_RETENTION_DAYS)), metrics),
  clock,
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
  publicUrl: env.PUBLIC_BASE_URL,
}));
