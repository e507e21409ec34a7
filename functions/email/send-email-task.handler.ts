import { experiments } from '../experiments/experiment-content';
import { environmentFor } from '../shared/environment';
import { sendDepsFrom } from './email-senders';
import { makeSendEmailTask } from './send-email-task';

export const handler = makeSendEmailTask(sendDepsFrom(environmentFor('sendEmail'), 'send-email'), experiments);
