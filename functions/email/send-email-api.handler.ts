import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoContacts } from '../contacts/dynamo-contacts';
import { tokenFromEnv } from '../shared/admin-auth';
import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoEmailStore } from './dynamo-email-store';
import { makeSendEmailApi } from './send-email-api';
import { SesMailer } from './ses-mailer';
import { signerFrom } from './signing-keys';
import { emails, renderer } from './templates';

const env = environmentFor('sendEmailApi');
const contacts = new DynamoContacts(documentClient, env.TABLE_NAME);

export const handler = makeSendEmailApi({
  store: new DynamoEmailStore(documentClient, env.TABLE_NAME),
  mailer: new SesMailer(new SESv2Client({ maxAttempts: 2 }), env.SES_CONFIGURATION_SET),
  renderer,
  settings: emails.settings,
  signer: signerFrom(env),
  publicUrl: env.PUBLIC_BASE_URL,
  clock,
  logger: createLogger('send-email-api'),
  adminToken: tokenFromEnv(env, 'ADMIN_TOKEN'),
  findIdByEmail: (email) => contacts.findIdByEmail(email),
});
