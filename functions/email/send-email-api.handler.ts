import { SESv2Client } from '@aws-sdk/client-sesv2';
import * as z from 'zod';
import { DynamoContacts } from '../contacts/dynamo-contacts';
import { secretToken, staticToken } from '../shared/admin-auth';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { DynamoEmailStore } from './dynamo-email-store';
import { sendEnv } from './email-env';
import { makeSendEmailApi } from './send-email-api';
import { SesMailer } from './ses-mailer';
import { signerFrom } from './signing-keys';
import { emails, renderer } from './templates';

const env = parseEnv({
  ...sendEnv,
  ADMIN_TOKEN_SECRET_ARN: z.string().min(1).optional(),
  /** Local runs only; in AWS the token is read from the secret. */
  ADMIN_TOKEN: z.string().min(16).optional(),
});
if (!env.ADMIN_TOKEN_SECRET_ARN && !env.ADMIN_TOKEN) {
  throw new Error('Invalid environment: ADMIN_TOKEN_SECRET_ARN or ADMIN_TOKEN is required');
}
const contacts = new DynamoContacts(documentClient, env.TABLE_NAME);

export const handler = makeSendEmailApi({
  store: new DynamoEmailStore(documentClient, env.TABLE_NAME),
  mailer: new SesMailer(new SESv2Client({ maxAttempts: 2 }), env.SES_CONFIGURATION_SET),
  renderer,
  settings: emails.settings,
  signer: signerFrom(env),
  publicUrl: env.PUBLIC_BASE_URL,
  clock: systemClock,
  logger: createLogger('send-email-api'),
  adminToken: env.ADMIN_TOKEN_SECRET_ARN ? secretToken(env.ADMIN_TOKEN_SECRET_ARN) : staticToken(env.ADMIN_TOKEN!),
  findIdByEmail: (email) => contacts.findIdByEmail(email),
});
