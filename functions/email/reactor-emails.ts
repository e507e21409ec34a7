import { SESv2Client } from '@aws-sdk/client-sesv2';
import * as z from 'zod';
import { documentClient } from '../shared/aws';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { ReactorEmails } from './confirmations';
import { DynamoEmailStore } from './dynamo-email-store';
import { sendEnv } from './email-env';
import { SesMailer } from './ses-mailer';
import { signerFrom } from './signing-keys';
import { emails, renderer } from './templates';

/**
 * The reactor's email sender, when its environment has what sending needs (`PUBLIC_BASE_URL`, signing keys,
 * `TABLE_NAME`); undefined otherwise, so a reactor deployed without the email bindings fails a SendEmail
 * decision loudly instead of failing to start.
 */
export function reactorEmailsFrom(source: NodeJS.ProcessEnv): ReactorEmails | undefined {
  const env = z.object(sendEnv).safeParse(source);
  if (!env.success || (!env.data.EMAIL_SIGNING_KEYS && !env.data.EMAIL_SIGNING_KEYS_SECRET_ARN)) return undefined;
  return new ReactorEmails({
    store: new DynamoEmailStore(documentClient, env.data.TABLE_NAME),
    mailer: new SesMailer(new SESv2Client({ maxAttempts: 2 }), env.data.SES_CONFIGURATION_SET),
    renderer,
    settings: emails.settings,
    signer: signerFrom(env.data),
    publicUrl: env.data.PUBLIC_BASE_URL,
    clock: systemClock,
    logger: createLogger('reactor-emails'),
  });
}
