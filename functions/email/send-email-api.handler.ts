import { DynamoContacts } from '../contacts/dynamo-contacts';
import { documentClient } from '../shared/aws';
import { environmentFor } from '../shared/environment';
import { sendDepsFrom } from './email-senders';
import { makeSendEmailApi } from './send-email-api';

const env = environmentFor('sendEmailApi');
const contacts = new DynamoContacts(documentClient, env.TABLE_NAME);

export const handler = makeSendEmailApi({
  ...sendDepsFrom(env, 'send-email-api'),
  findIdByEmail: (email) => contacts.findIdByEmail(email),
});
