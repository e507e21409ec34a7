import { environmentFor } from '../shared/environment';
import { makeSendSmsTask } from './send-sms-task';
import { smsSendDepsFrom } from './sms-senders';

const env = environmentFor('sendSms');

export const handler = makeSendSmsTask(smsSendDepsFrom(env, 'send-sms'));
