import { documentClient } from '../shared/aws';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoSmsInboundStore, DynamoSmsStore } from './dynamo-sms-store';
import { InboundSms, SnsEvent, handleInboundSms, type SmsInboundDeps } from './sms-inbound';
import { smsGatewayFrom } from './sms-senders';
import { clock } from '../shared/clock';

const env = environmentFor('smsInbound');
const deps: SmsInboundDeps = {
  store: new DynamoSmsInboundStore(documentClient, env.TABLE_NAME),
  sends: new DynamoSmsStore(documentClient, env.TABLE_NAME),
  gateway: smsGatewayFrom(env),
  helpText: env.SMS_HELP_TEXT,
  messageType: env.SMS_MESSAGE_TYPE,
  clock,
  logger: createLogger('sms-inbound'),
};

/** Each SNS record is one inbound text; a failure fails the invocation and SNS delivers it again (nothing repeats). */
export const handler = async (event: unknown): Promise<void> => {
  for (const record of SnsEvent.parse(event).Records) {
    const message = InboundSms.parse(JSON.parse(record.Sns.Message));
    await handleInboundSms(message, new Date(record.Sns.Timestamp), deps);
  }
};
