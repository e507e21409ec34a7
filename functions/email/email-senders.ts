import { SESv2Client } from '@aws-sdk/client-sesv2';
import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { createLogger } from '../shared/logger';
import { ReactorEmails } from './confirmations';
import type { SendDeps } from './send-email';
import { DynamoEmailStore } from './dynamo-email-store';
import { SesMailer } from './ses-mailer';
import { signerFrom } from './signing-keys';
import { emails, renderer } from './templates';
import { BusinessMetric, type BusinessMetrics } from '../shared/metrics';
import type { Mailer } from './ports';

/** What sending outside a journey step needs: the `table`, `sendEmail`, `emailSigningKeys` and `publicBaseUrl` bindings. */
export interface ReactorEmailsEnvironment {
  readonly TABLE_NAME: string;
  readonly SES_CONFIGURATION_SET?: string | undefined;
  readonly EMAIL_SIGNING_KEYS?: string | undefined;
  readonly EMAIL_SIGNING_KEYS_SECRET_ARN?: string | undefined;
  readonly PUBLIC_BASE_URL: string;
}

/**
 * What every sender of email needs (the journeys' send task, the send API, the reactor's confirmations), built
 * from the environment of a function with the `table`, `sendEmail`, `emailSigningKeys` and `publicBaseUrl` bindings.
 * With `metrics`, every email SES takes is counted (`EmailsSent`).
 */
export function sendDepsFrom(env: ReactorEmailsEnvironment, service: string, metrics?: BusinessMetrics): SendDeps {
  const ses = new SesMailer(new SESv2Client({ maxAttempts: 2 }), env.SES_CONFIGURATION_SET);
  return {
    store: new DynamoEmailStore(documentClient, env.TABLE_NAME),
    mailer: metrics ? countingSends(ses, metrics) : ses,
    renderer,
    settings: emails.settings,
    signer: signerFrom(env),
    publicUrl: env.PUBLIC_BASE_URL,
    clock,
    logger: createLogger(service),
  };
}

/** The email sender of the reactor's double opt-in confirmations and of the reminders, from their environment. */
export function reactorEmailsFrom(env: ReactorEmailsEnvironment): ReactorEmails {
  return new ReactorEmails(sendDepsFrom(env, 'reactor-emails'));
}

/** The mailer, counting each email SES took: a send that failed or was never attempted (a guard, a replay) is not counted. */
export function countingSends(mailer: Mailer, metrics: BusinessMetrics): Mailer {
  return {
    send: async (email) => {
      const sent = await mailer.send(email);
      metrics.count(BusinessMetric.EmailsSent);
      return sent;
    },
  };
}
