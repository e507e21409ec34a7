import type {
  PinpointSMSVoiceV2Client} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import {
  DeleteOptedOutNumberCommand,
  DescribeOptedOutNumbersCommand,
  PutOptedOutNumberCommand,
  ResourceNotFoundException,
  SendTextMessageCommand,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SmsSendFailed, SmsThrottled, type OutgoingSms, type SmsGateway } from './ports';

/** End User Messaging settings a gateway sends with (nurture.config.yaml `sms`, through the `sms` binding). */
export interface SmsGatewaySettings {
  readonly originationIdentity: string;
  /** The configuration set whose event destination feeds delivery events to EventBridge; none locally. */
  readonly configurationSet?: string;
  readonly messageType: 'TRANSACTIONAL' | 'PROMOTIONAL';
  /** The account's opt-out list STOP and START keywords update. */
  readonly optOutList: string;
}

/** Errors End User Messaging answers when it is busy, not when the message is wrong: retried, never recorded. */
const TRANSIENT = new Set(['ThrottlingException', 'InternalServerException', 'ServiceUnavailableException', 'TimeoutError']);

/**
 * The SMS gateway on End User Messaging SMS (`pinpoint-sms-voice-v2`). The SDK client finds the local sink through
 * `AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2`, as every other client finds its local service; in AWS it is unset.
 */
export class EumSmsGateway implements SmsGateway {
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly settings: SmsGatewaySettings,
  ) {}

  async send(message: OutgoingSms): Promise<{ messageId: string }> {
    try {
      const result = await this.client.send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: message.to,
          MessageBody: message.body,
          OriginationIdentity: this.settings.originationIdentity,
          MessageType: this.settings.messageType,
          ...(this.settings.configurationSet ? { ConfigurationSetName: this.settings.configurationSet } : {}),
          Context: { ...message.context },
        }),
      );
      if (!result.MessageId) throw new SmsSendFailed('End User Messaging answered without a message id');
      return { messageId: result.MessageId };
    } catch (error) {
      throw named(error);
    }
  }

  async isOptedOut(phone: string): Promise<boolean> {
    try {
      const result = await this.client.send(new DescribeOptedOutNumbersCommand({ OptOutListName: this.settings.optOutList, OptedOutNumbers: [phone] }));
      return (result.OptedOutNumbers ?? []).some((entry) => entry.OptedOutNumber === phone);
    } catch (error) {
      // Asking about one number that is not on the list answers "no such opted-out number".
      if (error instanceof ResourceNotFoundException && error.ResourceType === 'opted-out-number') return false;
      throw named(error);
    }
  }

  async optOut(phone: string): Promise<void> {
    try {
      await this.client.send(new PutOptedOutNumberCommand({ OptOutListName: this.settings.optOutList, OptedOutNumber: phone }));
    } catch (error) {
      throw named(error);
    }
  }

  async optIn(phone: string): Promise<void> {
    try {
      await this.client.send(new DeleteOptedOutNumberCommand({ OptOutListName: this.settings.optOutList, OptedOutNumber: phone }));
    } catch (error) {
      // Not on the list: already what START asks for.
      if (error instanceof ResourceNotFoundException && error.ResourceType === 'opted-out-number') return;
      throw named(error);
    }
  }
}

/** The SDK's error as one of ours, by its name only: its message may echo the number. */
function named(error: unknown): Error {
  if (error instanceof SmsSendFailed || error instanceof SmsThrottled) return error;
  const name = error instanceof Error ? error.name : 'Error';
  if (TRANSIENT.has(name)) return new SmsThrottled(`End User Messaging is busy: ${name}`);
  return new SmsSendFailed(`End User Messaging refused the call: ${name}`, { cause: error });
}
