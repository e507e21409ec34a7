import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { EmailSendFailed, SesThrottled, type Mailer, type OutgoingEmail } from './ports';

/** SES errors that mean "slow down", not "this email is wrong". */
const THROTTLING = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling']);

/** Sends through SES v2 `SendEmail` (Simple content, our own headers and tags) in the configuration set. */
export class SesMailer implements Mailer {
  constructor(
    private readonly ses: SESv2Client,
    /** Routes SES events (delivery, bounce, complaint…) to EventBridge; absent locally. */
    private readonly configurationSet: string | undefined,
  ) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    try {
      const result = await this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: email.from,
          Destination: { ToAddresses: [email.to] },
          ...(email.replyTo ? { ReplyToAddresses: [email.replyTo] } : {}),
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: { Html: { Data: email.html, Charset: 'UTF-8' }, Text: { Data: email.text, Charset: 'UTF-8' } },
              Headers: email.headers.map((h) => ({ Name: h.name, Value: h.value })),
            },
          },
          EmailTags: Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value })),
          ...(this.configurationSet ? { ConfigurationSetName: this.configurationSet } : {}),
        }),
      );
      if (!result.MessageId) throw new EmailSendFailed('SES accepted the email without a message id');
      return { messageId: result.MessageId };
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      if (THROTTLING.has(name)) throw new SesThrottled(`SES throttled the send (${name})`, { cause: error });
      throw error;
    }
  }
}
