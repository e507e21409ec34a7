import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoEmailStore } from '../email/dynamo-email-store';
import { emailSettings } from '../email/email-settings';
import { DynamoContacts } from './dynamo-contacts';
import { makeUnsubscribeContactHandler } from './unsubscribe-contact';

const env = environmentFor('unsubscribeContact');

export const handler = makeUnsubscribeContactHandler({
  contacts: new DynamoContacts(documentClient, env.TABLE_NAME),
  consent: new DynamoEmailStore(documentClient, env.TABLE_NAME),
  topics: emailSettings.topics.map((topic) => topic.id),
  clock,
  logger: createLogger('contacts'),
});
