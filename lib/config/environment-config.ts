import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod';
import { writeIfChanged } from '../shared/write-if-changed';

/**
 * The operator's settings of one deployment (dev, prod, …), from `nurture.config.yaml`: what differs between
 * environments and is no marketer's business. Validated at synth, so a mistake fails `cdk synth` naming the field
 * before anything reaches AWS. Marketer-owned settings (the sender's display name, forms, templates) stay in content/.
 */
/** The retention periods CloudWatch Logs offers, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
const days = (what: string) => z.int().min(1).max(3_650).describe(what);
const rate = z.number().positive();
const origin = z
  .url({ protocol: /^https?$/ })
  .refine((value) => new URL(value).origin === value, 'an origin: scheme, host and port only, no path or trailing slash');
const hostname = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a lower-case DNS name');

/** `HH:MM-HH:MM`, overnight allowed (`21:00-08:00`). */
const quietHours = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'local hours "HH:MM-HH:MM", overnight allowed (21:00-08:00)');

/**
 * Text messages through AWS End User Messaging SMS (docs/sms.md). The stack creates the configuration set (delivery
 * events to EventBridge), the opt-out list and the inbound topic; the origination identity (a phone number, pool or
 * sender id) is registered and bought by the operator, since carriers' registrations take weeks.
 */
export const SmsConfig = z
  .strictObject({
    /** Off: send_sms steps skip with `sms_disabled`, nothing is sent. */
    enabled: z.boolean().default(false),
    /** The ARN of the phone number, pool or sender id texts are sent from (`arn:aws:sms-voice:<region>:<account>:phone-number/phone-…`). */
    originationIdentity: z.string().regex(/^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:(phone-number|pool|sender-id)\/[A-Za-z0-9_:-]+$/, 'an End User Messaging phone-number, pool or sender-id ARN').optional(),
    /** The name of the configuration set the stack creates (its event destination feeds delivery events to EventBridge). @default <stackName>-sms */
    configurationSet: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
    /** Marketing texts are PROMOTIONAL; TRANSACTIONAL costs more in some countries and is for one-to-one messages. */
    messageType: z.enum(['TRANSACTIONAL', 'PROMOTIONAL']).default('PROMOTIONAL'),
    /** ISO country a number without its `+` country code is read in (contacts API, imports); none: numbers need `+`. */
    defaultCountry: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code').optional(),
    /** No text goes out in these local hours of the contact (`time_zone`, else the journey's zone); journeys wait. */
    quietHours: quietHours.default('21:00-08:00'),
    /** The reply to HELP (and its translations): who you are and how to stop. Carriers require one. */
    helpText: z.string().min(1).max(300).default('Nurture: marketing texts. Msg&data rates may apply. Reply STOP to opt out.'),
    /**
     * Nurture answers STOP, START and HELP itself and keeps the opt-out list (self-managed opt-outs, set on the
     * number or pool by the operator): AWS then neither answers them nor opts the number out on its own.
     */
    selfManagedOptOuts: z.literal(true).default(true),
  })
  .refine((sms) => !sms.enabled || sms.originationIdentity !== undefined, { message: 'an enabled sms needs its originationIdentity', path: ['originationIdentity'] });
export type SmsConfig = z.infer<typeof SmsConfig>;

export const EnvironmentConfig = z.strictObject({
  /** The CloudFormation stack's name: two environments in one account need two names. */
  stackName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'letters, digits and hyphens, starting with a letter'),
  sender: z.strictObject({
    /**
     * The SES identity the functions may send as: a verified domain (`example.com`) or address. The sender address
     * of content/email.yaml must belong to it; nothing else may be sent from.
     */
    identity: z.union([hostname, z.email()]),
  }),
  forms: z
    .strictObject({
      /** Origins every form accepts posts from in this environment (your sites), on top of each form's own list. */
      allowedOrigins: z.array(origin).default([]),
    })
    .default({ allowedOrigins: [] }),
  /**
   * A custom domain for the HTTP API (links in emails, form posts), with an ACM certificate for it in the stack's
   * region. Without one, the API's `execute-api` URL is used.
   */
  domain: z
    .strictObject({
      name: hostname,
      certificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/, 'an ACM certificate ARN'),
    })
    .optional(),
  alarms: z.strictObject({
    /** Receives every alarm (an SNS e-mail subscription, confirmed from the first message AWS sends it). */
    email: z.email(),
  }),
  retention: z.strictObject({
    /** Tracked activity never linked to a contact (anonymous visitors' page views and events) is deleted after this. */
    rawEventsDays: days('days anonymous activity nobody identified is kept'),
    /** Idempotency records of form posts and contact upserts: a retry with the same key within this is answered from the first. */
    idempotencyDays: days('days an Idempotency-Key is remembered'),
    /** Every log group: functions, state machines, API access logs. */
    logDays: z.literal(LOG_RETENTION_DAYS, { error: `one of CloudWatch Logs' retention periods: ${LOG_RETENTION_DAYS.join(', ')}` }),
  }),
  crm: z.strictObject({
    /** The provider the CRM settings secret is created with; its credentials are put into the secret by hand. */
    provider: z.enum(['none', 'hubspot', 'salesforce', 'webhook']),
  }),
  rates: z.strictObject({
    /** The SES account's maximum send rate (messages per second, SES console → Account dashboard): broadcasts send at it. */
    sesMaxSendRate: rate.max(10_000),
  }),
  api: z.strictObject({
    /** The `$default` stage's throttling, across all routes; public routes have tighter limits of their own (lib/functions.ts). */
    throttle: z.strictObject({ rateLimit: rate.max(10_000), burstLimit: z.int().min(1).max(5_000) }),
  }),
  console: z
    .strictObject({
      /** Second factor (TOTP apps) at console sign-in: off, offered to each user, or required of everyone. */
      mfa: z.enum(['off', 'optional', 'required']),
    })
    .default({ mfa: 'optional' }),
  sms: SmsConfig.default({ enabled: false, messageType: 'PROMOTIONAL', quietHours: '21:00-08:00', helpText: 'Nurture: marketing texts. Msg&data rates may apply. Reply STOP to opt out.', selfManagedOptOuts: true }),
  data: z.strictObject({
    /** Point-in-time recovery of the table (35 days of restorable history). */
    pointInTimeRecovery: z.boolean(),
    /** DynamoDB refuses to delete the table while this is on. */
    deletionProtection: z.boolean(),
  }),
});
export type EnvironmentConfig = z.infer<typeof EnvironmentConfig>;

export const NurtureConfig = z.strictObject({
  $schema: z.string().optional(),
  environments: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'a lower-case environment name'), EnvironmentConfig),
});
export type NurtureConfig = z.infer<typeof NurtureConfig>;

const repoRoot = join(import.meta.dirname, '../..');
/** The one configuration file, at the repository root. */
export const configFile = join(repoRoot, 'nurture.config.yaml');
/** Its JSON Schema, for editors (`# yaml-language-server: $schema=…` at the top of the file). */
export const configSchemaFile = join(repoRoot, 'content/schemas/nurture-config.schema.json');

/** A configuration file that cannot be used; the message names the file and every field at fault. */
export class InvalidConfig extends Error {
  override name = 'InvalidConfig';
}

/**
 * The settings of environment `name` in `file`, validated. Every problem is reported at once, each with the path of
 * its field (`environments.prod.alarms.email`), so one failed synth tells the whole story.
 */
export function loadEnvironmentConfig(name: string, file = configFile): EnvironmentConfig {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'), { prettyErrors: true });
  } catch (error) {
    throw new InvalidConfig(`${file} cannot be read as YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const result = NurtureConfig.safeParse(raw);
  if (!result.success) throw new InvalidConfig(`${file} is invalid:\n${z.prettifyError(result.error)}`);
  const config = result.data.environments[name];
  if (!config) {
    throw new InvalidConfig(`${file} has no environment "${name}" (environments: ${Object.keys(result.data.environments).join(', ')}); choose one with -c env=<name>`);
  }
  return config;
}

/** The JSON Schema editors validate `nurture.config.yaml` with. */
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(NurtureConfig, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'Nurture deployment configuration (nurture.config.yaml)' }, null, 2)}\n`;
}

/** Rewrites the JSON Schema when the zod schema changed. */
export function buildConfigSchema(): void {
  writeIfChanged(configSchemaFile, configJsonSchema());
}
