import * as z from 'zod';
import { bindingVariables } from '../lib/shared/bindings';
import { parseApiKey } from '../functions/access/domain/access';
import { LOCAL_CONSOLE_PASSWORD } from './identity-provider';

/** The local development key's default: like the local admin token, fixed, so scripts and bookmarks keep working. */
export const LOCAL_API_KEY = 'nk_localdevelopment_local-api-key-not-for-production-use';

const port = z.coerce.number().int().min(0).max(65_535);
const optional = z.string().min(1).optional();
/** An empty variable counts as unset, as a shell's `NAME= npm start` means. */
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);
const withDefault = <T extends z.ZodType>(schema: T) => z.preprocess(unsetIfEmpty, schema);

/**
 * Every environment variable the local runtime (`npm start`, `local/`) reads, in one place: its own settings, and
 * the values it hands the functions in place of their AWS resources (secrets, the CRM's credentials). Handlers never
 * read these: each function gets the variables its registry bindings declare (`localEnvironments`).
 */
export const LocalSettings = z.object({
  /** Gateway port (0: a free one). */
  PORT: withDefault(port.default(3000)),
  NURTURE_DYNAMODB_PORT: withDefault(port.default(8000)),
  /** aws-ses-v2-local (its inbox UI at its root). */
  NURTURE_SES_PORT: withDefault(port.default(8005)),
  /** The local S3 serving the import bucket (`aws s3 cp … --endpoint-url http://127.0.0.1:<port>`). */
  NURTURE_S3_PORT: withDefault(port.default(8010)),
  /** The local End User Messaging SMS sink (`GET /store`; its phone page is the gateway's `/dev/sms`). */
  NURTURE_SMS_PORT: withDefault(port.default(8015)),
  /** cognito-local, the local identity provider of the console's sign-in (0: a free one). */
  NURTURE_COGNITO_PORT: withDefault(port.default(9229)),
  /** The password of the local console users `admin`, `marketer` and `viewer` (local only). */
  NURTURE_CONSOLE_PASSWORD: withDefault(z.string().min(8).default(LOCAL_CONSOLE_PASSWORD)),
  /** Where DynamoDB Local keeps its files; `memory` keeps everything in memory. @default .local */
  NURTURE_DATA_DIR: withDefault(optional),
  /** How many times faster than real time journey waits pass (a day a second by default). */
  TIME_SCALE: withDefault(z.coerce.number().positive().default(86_400)),
  /** Messages per second broadcasts send at unless they name a rate (in AWS: the stack's `sesMaxSendRate`). */
  NURTURE_BROADCAST_RATE: withDefault(z.coerce.number().positive().default(14)),
  /** Delay before the n-th redelivery of a queued message the consumer set no visibility on: n × this. */
  NURTURE_HANDOFF_RETRY_MS: withDefault(z.coerce.number().int().min(0).default(500)),
  /** The bootstrap token: it may only manage API keys (`/keys`). */
  NURTURE_ADMIN_TOKEN: withDefault(z.string().min(16).default('local-admin-token')),
  /** The local development API key (scope `admin`) the runtime writes on start and prints in its banner. */
  NURTURE_LOCAL_API_KEY: withDefault(
    z
      .string()
      .refine((key) => parseApiKey(key) !== undefined, 'an API key: nk_<16 lowercase letters or digits>_<32 to 128 of A-Z a-z 0-9 _ ->')
      .default(LOCAL_API_KEY),
  ),
  NURTURE_JOURNEY_SIGNING_SECRET: withDefault(z.string().min(16).default('local-journey-signing-secret')),
  NURTURE_EMAIL_SIGNING_KEYS: withDefault(z.string().min(16).default('local-email-signing-key-not-for-production')),
  NURTURE_WRITE_KEY: withDefault(z.string().min(8).default('local-write-key')),
  NURTURE_FORM_SIGNING_KEY: withDefault(z.string().min(16).default('local-form-signing-key-not-for-production')),
  /** HMAC key of the suppression list of erased contacts' addresses. */
  NURTURE_SUPPRESSION_KEY: withDefault(z.string().min(16).default('local-suppression-key-not-for-production')),
  /** Passed to every function (Powertools Logger's level). */
  LOG_LEVEL: withDefault(optional),
  /** Real CRM credentials and the local webhook secrets: the `crmSecret` binding's local variables, passed through. */
  ...bindingVariables.crmSecret.local,
  HUBSPOT_CLIENT_SECRET: withDefault(z.string().min(1).default('local-hubspot-secret')),
  CRM_FEEDBACK_SECRET: withDefault(z.string().min(16).default('local-crm-feedback-secret')),
  /** Captcha secret keys and stand-ins for the providers' verify endpoints, passed through to the forms function. */
  TURNSTILE_SECRET: withDefault(optional),
  RECAPTCHA_SECRET: withDefault(optional),
  TURNSTILE_VERIFY_URL: withDefault(z.url().optional()),
  RECAPTCHA_VERIFY_URL: withDefault(z.url().optional()),
});
export type LocalSettings = z.infer<typeof LocalSettings>;

/**
 * Variables the local runtime sets or clears in its own process for the AWS SDK (never read by a handler): the
 * Node.js version notice, and a developer's profile and session that must not point the SDK at a real account.
 */
export const processVariables = ['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'AWS_PROFILE', 'AWS_SESSION_TOKEN', 'PATH'] as const;

/** The local runtime's settings from `source`, failing with every bad variable's name. */
export function localSettings(source: Readonly<Record<string, string | undefined>> = process.env): LocalSettings {
  const result = LocalSettings.safeParse(source);
  if (!result.success) {
    throw new Error(`Invalid local settings: ${result.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`).join('; ')}`);
  }
  return result.data;
}

/** True when real CRM credentials are configured: the local HubSpot-compatible receiver then stays off. */
export const realCrmConfigured = (settings: LocalSettings) =>
  Boolean(settings.HUBSPOT_ACCESS_TOKEN || settings.SALESFORCE_INSTANCE_URL || settings.CRM_WEBHOOK_URL);
