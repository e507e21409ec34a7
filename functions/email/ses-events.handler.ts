import { documentClient } from '../shared/aws';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoEmailStore } from './dynamo-email-store';
import { makeSesEvents } from './ses-events';

const env = environmentFor('sesEvents');

export const handler = makeSesEvents({
  store: new DynamoEmailStore(documentClient, env.TABLE_NAME),
  logger: createLogger('ses-events'),
});
