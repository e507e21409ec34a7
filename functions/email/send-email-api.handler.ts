import { DynamoContacts } from '../contacts/dynamo-contacts';
import { journeys } from '../journeys/journeys';
import { documentClient } from '../shared/aws';
import { environmentFor } from '../shared/environment';
import type { HttpEvent } from '../shared/http';
import { createLogger } from '../shared/logger';
import { sendDepsFrom } from './email-senders';
import { makeSendEmailApi } from './send-email-api';
import { renderer } from './templates';
import { makeTemplatesApiHandler } from './templates-api';

const env = environmentFor('sendEmailApi');
const contacts = new DynamoContacts(documentClient, env.TABLE_NAME);

const sendEmail = makeSendEmailApi({
  ...sendDepsFrom(env, 'send-email-api'),
  findIdByEmail: (email) => contacts.findIdByEmail(email),
});
const templates = makeTemplatesApiHandler({ renderer, journeys, logger: createLogger('email-templates') });

/** `POST /emails/send`, and the templates' list and previews (`GET /templates[/{templateId}]`). */
export const handler = (event: HttpEvent, context: Parameters<typeof sendEmail>[1]) =>
  event.routeKey.startsWith('GET /templates') ? templates(event, context) : sendEmail(event, context);
