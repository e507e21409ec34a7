import * as z from 'zod';

/** Environment of the functions that build email links (send, tracking, preferences). */
export const linkEnv = {
  /** Base URL of the HTTP API that serves /t/… and /u/… (no trailing slash is needed). */
  PUBLIC_BASE_URL: z.url().transform((url) => url.replace(/\/+$/, '')),
  /** `current,previous`: local runs and tests. In AWS the keys come from the secret below. */
  EMAIL_SIGNING_KEYS: z.string().min(16).optional(),
  EMAIL_SIGNING_KEYS_SECRET_ARN: z.string().startsWith('arn:').optional(),
};

/** Environment of the functions that call SES. */
export const sendEnv = {
  ...linkEnv,
  TABLE_NAME: z.string().min(1),
  /** The configuration set whose event destination feeds SES events to EventBridge; absent locally. */
  SES_CONFIGURATION_SET: z.string().min(1).optional(),
};
