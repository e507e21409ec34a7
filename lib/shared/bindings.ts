import * as z from 'zod';

/**
 * Every kind of binding a registry entry may declare, with the environment variables it hands the function: named
 * here once, read by the CDK construct that sets them, the local runtime that sets their local values and the
 * handlers that parse them at cold start (`functions/shared/environment.ts`). Pure data and zod, so a Lambda
 * bundle can import it without aws-cdk-lib.
 *
 * A binding's `deployed` variables are what CDK sets in AWS. A secret binding passes the secret's ARN there; the
 * local runtime has no Secrets Manager and passes the values themselves, its `local` variables, instead.
 */
export interface BindingVariables {
  /** Set by CDK (`lib/shared/nurture-function.ts`). */
  readonly deployed: z.ZodRawShape;
  /** Set by the local runtime instead, when they differ (secrets). @default the deployed variables */
  readonly local?: z.ZodRawShape;
}

const nonEmpty = z.string().min(1);
const arn = z.string().startsWith('arn:');
/** A secret value set locally (admin token, signing keys): long enough not to be guessed. */
const secretValue = z.string().min(16);
const optional = z.string().min(1).optional();

export const bindingVariables = {
  table: { deployed: { TABLE_NAME: nonEmpty } },
  adminToken: { deployed: { ADMIN_TOKEN_SECRET_ARN: arn }, local: { ADMIN_TOKEN: secretValue } },
  /** Journey state machines are named `<prefix><journeyId>`. */
  journeyExecutions: { deployed: { JOURNEY_STATE_MACHINE_ARN_PREFIX: arn } },
  journeySigningSecret: { deployed: { JOURNEY_SIGNING_SECRET_ARN: arn }, local: { JOURNEY_SIGNING_SECRET: secretValue } },
  /** The configuration set whose event destination feeds SES events to EventBridge; aws-ses-v2-local has none. */
  sendEmail: { deployed: { SES_CONFIGURATION_SET: nonEmpty }, local: {} },
  /**
   * Text messages through End User Messaging SMS (nurture.config.yaml `sms`): whether sending is on, the origination
   * identity, the configuration set (none locally), the opt-out list STOP and START update, the message type, the
   * contacts' quiet hours and the HELP reply.
   */
  sms: {
    deployed: {
      SMS_ENABLED: z.enum(['true', 'false']),
      SMS_ORIGINATION_IDENTITY: nonEmpty,
      SMS_CONFIGURATION_SET: optional,
      SMS_OPT_OUT_LIST: nonEmpty,
      SMS_MESSAGE_TYPE: z.enum(['TRANSACTIONAL', 'PROMOTIONAL']),
      SMS_QUIET_HOURS: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM-HH:MM'),
      SMS_HELP_TEXT: z.string().min(1).max(300),
    },
  },
  /** `current,previous`: links signed with a previous key keep verifying until it is removed. */
  emailSigningKeys: { deployed: { EMAIL_SIGNING_KEYS_SECRET_ARN: arn }, local: { EMAIL_SIGNING_KEYS: secretValue } },
  /** Base URL of the HTTP API that serves /t/… and /u/…, written into emails (no trailing slash is kept). */
  publicBaseUrl: { deployed: { PUBLIC_BASE_URL: z.url().transform((url) => url.replace(/\/+$/, '')) } },
  /** CRM settings (functions/crm/config.ts): one JSON secret in AWS; locally, one variable per setting. */
  crmSecret: {
    deployed: { CRM_SECRET_ARN: arn },
    local: {
      CRM_PROVIDER: optional,
      HUBSPOT_ACCESS_TOKEN: optional,
      HUBSPOT_BASE_URL: optional,
      HUBSPOT_CLIENT_SECRET: optional,
      HUBSPOT_FOLLOW_UP: optional,
      HUBSPOT_GDPR_DELETE: optional,
      SALESFORCE_INSTANCE_URL: optional,
      SALESFORCE_ACCESS_TOKEN: optional,
      SALESFORCE_CLIENT_ID: optional,
      SALESFORCE_CLIENT_SECRET: optional,
      SALESFORCE_TOKEN_URL: optional,
      SALESFORCE_EXTERNAL_ID_FIELD: optional,
      CRM_WEBHOOK_URL: optional,
      CRM_WEBHOOK_SECRET: optional,
      CRM_FEEDBACK_SECRET: optional,
    },
  },
  /** The CRM hand-off queue: senders put hand-offs on it, its consumer changes a message's visibility. */
  handOffQueue: { deployed: { HANDOFF_QUEUE_URL: z.url() } },
  /** `{ signingKey, turnstileSecret?, recaptchaSecret? }` in AWS; locally the key and captcha secrets themselves. */
  formSecrets: {
    deployed: { FORM_SECRETS_ARN: arn },
    local: {
      FORM_SIGNING_KEY: secretValue,
      TURNSTILE_SECRET: optional,
      RECAPTCHA_SECRET: optional,
      /** A stand-in for the providers' verify endpoints (tests). */
      TURNSTILE_VERIFY_URL: z.url().optional(),
      RECAPTCHA_VERIFY_URL: z.url().optional(),
    },
  },
  writeKey: { deployed: { WRITE_KEY_SECRET_ARN: arn }, local: { TRACKING_WRITE_KEY: z.string().min(8) } },
  /** The HMAC key of the suppression list of erased people's addresses (functions/shared/suppression.ts). */
  suppressionKey: { deployed: { SUPPRESSION_KEY_SECRET_ARN: arn }, local: { SUPPRESSION_KEY: secretValue } },
  /** The bucket files are dropped in for import (by name); locally the runtime's S3 emulator has one of that name. */
  importBucket: { deployed: { IMPORT_BUCKET: nonEmpty } },
  /**
   * The broadcast state machine (start and stop its executions), and the messages per second a broadcast sends at
   * when it names no rate: the SES account's maximum send rate (the stack's `sesMaxSendRate`).
   */
  broadcastExecutions: {
    deployed: {
      BROADCAST_STATE_MACHINE_ARN: arn,
      BROADCAST_DEFAULT_RATE: z.string().regex(/^(?!0+(\.0*)?$)\d+(\.\d+)?$/, 'a positive number'),
    },
  },
  /**
   * The CloudWatch namespace the function's EMF business metrics go to (Powertools Metrics reads this variable):
   * the stack's name, so two environments in one account keep their numbers, and their alarms, apart.
   */
  metrics: { deployed: { POWERTOOLS_METRICS_NAMESPACE: z.string().regex(/^[A-Za-z0-9._\-/#:]{1,255}$/, 'a CloudWatch namespace') } },
  /**
   * Retention by TTL, per environment (nurture.config.yaml `retention`): days an Idempotency-Key is remembered, and
   * days tracked activity nobody identified is kept before DynamoDB deletes it.
   */
  retention: {
    deployed: {
      IDEMPOTENCY_RETENTION_DAYS: z.string().regex(/^[1-9]\d{0,3}$/, 'a whole number of days'),
      RAW_EVENT_RETENTION_DAYS: z.string().regex(/^[1-9]\d{0,3}$/, 'a whole number of days'),
    },
  },
  /** Origins every form accepts posts from in this environment (comma-separated; may be empty), on top of each form's own. */
  formOrigins: { deployed: { FORM_ALLOWED_ORIGINS: z.string() } },
  /**
   * People's sign-in to the console: the user pool's token issuer (`https://cognito-idp.<region>.amazonaws.com/<pool>`;
   * locally cognito-local's), the URL of its signing keys (JWKS), and the console's app client, whose access tokens
   * alone are accepted.
   */
  consoleSignIn: {
    deployed: { CONSOLE_TOKEN_ISSUER: z.url(), CONSOLE_JWKS_URI: z.url(), CONSOLE_CLIENT_ID: nonEmpty },
  },
} as const satisfies Record<string, BindingVariables>;

export type BindingKind = keyof typeof bindingVariables;

/**
 * Variables every function may read besides its bindings' (none of them required): set by Lambda itself (region,
 * credentials), by the operator (`LOG_LEVEL`), or by the local runtime only (`NURTURE_LOCAL=1`: outbound calls may
 * reach loopback, for the local CRM and webhook receivers; `JOURNEY_TIME_SCALE`).
 */
export const commonVariables = {
  NURTURE_LOCAL: z.literal('1').optional(),
  LOG_LEVEL: optional,
  /** Powertools' own name for the log level; wins over `LOG_LEVEL` when both are set. */
  POWERTOOLS_LOG_LEVEL: optional,
  /**
   * How many times faster than real time journey time passes: unset (1) in AWS; the local runtime sets its
   * `TIME_SCALE`. Handlers that judge journey-time spans (the email scanner window) scale them by it.
   */
  JOURNEY_TIME_SCALE: z.string().regex(/^(?!0+(\.0*)?$)\d+(\.\d+)?$/, 'a positive number').optional(),
} as const;

/** Variables the Lambda runtime sets in every function (read by the SDK and `functions/shared/lambda-credentials.ts`). */
export const lambdaRuntimeVariables = [
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
] as const;

/** The variable names a set of bindings hands a function, deployed (CDK) or local (the local runtime). */
export function variableNames(kinds: Iterable<BindingKind>, where: 'deployed' | 'local'): string[] {
  return [...kinds].flatMap((kind) => {
    const spec: BindingVariables = bindingVariables[kind];
    return Object.keys(where === 'local' ? (spec.local ?? spec.deployed) : spec.deployed);
  });
}
