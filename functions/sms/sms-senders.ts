import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { emailSettings } from '../email/email-settings';
import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { createLogger } from '../shared/logger';
import { parseQuietHours } from './domain/guards';
import { SmsRenderer } from './domain/render-sms';
import { DynamoSmsStore } from './dynamo-sms-store';
import { EumSmsGateway } from './eum-sms-gateway';
import type { SmsSendDeps } from './send-sms';
import { smsTemplates } from './sms-templates';

/** The environment of a function with the `table` and `sms` bindings. */
export interface SmsEnvironment {
  readonly TABLE_NAME: string;
  readonly SMS_ENABLED: 'true' | 'false';
  readonly SMS_ORIGINATION_IDENTITY: string;
  readonly SMS_CONFIGURATION_SET?: string | undefined;
  readonly SMS_OPT_OUT_LIST: string;
  readonly SMS_MESSAGE_TYPE: 'TRANSACTIONAL' | 'PROMOTIONAL';
  readonly SMS_QUIET_HOURS: string;
  readonly SMS_HELP_TEXT: string;
}

/** The SDK client, built once per cold start; throttling is Step Functions' to retry, so the SDK tries twice at most. */
export function smsGatewayFrom(env: SmsEnvironment): EumSmsGateway {
  return new EumSmsGateway(new PinpointSMSVoiceV2Client({ maxAttempts: 2 }), {
    originationIdentity: env.SMS_ORIGINATION_IDENTITY,
    ...(env.SMS_CONFIGURATION_SET ? { configurationSet: env.SMS_CONFIGURATION_SET } : {}),
    messageType: env.SMS_MESSAGE_TYPE,
    optOutList: env.SMS_OPT_OUT_LIST,
  });
}

/** What a journey's send_sms step needs, from its environment. */
export function smsSendDepsFrom(env: SmsEnvironment, service: string): SmsSendDeps & { readonly enabled: boolean } {
  return {
    enabled: env.SMS_ENABLED === 'true',
    store: new DynamoSmsStore(documentClient, env.TABLE_NAME),
    gateway: smsGatewayFrom(env),
    renderer: new SmsRenderer(smsTemplates, { address: emailSettings.physicalAddress, website: emailSettings.website }),
    settings: { messageType: env.SMS_MESSAGE_TYPE, quietHours: parseQuietHours(env.SMS_QUIET_HOURS), frequencyCap: emailSettings.frequencyCap },
    clock,
    logger: createLogger(service),
  };
}
