import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoEmailStore } from './dynamo-email-store';
import { reactorEmailsFrom } from './email-senders';
import { makeRemind } from './remind';

const env = environmentFor('emailReminders');

export const handler = makeRemind({
  store: new DynamoEmailStore(documentClient, env.TABLE_NAME),
  emails: reactorEmailsFrom(env),
  clock,
  logger: createLogger('email-reminders'),
});
