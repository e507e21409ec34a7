import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoEmailStore } from './dynamo-email-store';
import { makePreferences } from './preferences';
import { signerFrom } from './signing-keys';
import { emailSettings } from './email-settings';

const env = environmentFor('emailPreferences');

export const handler = makePreferences({
  store: new DynamoEmailStore(documentClient, env.TABLE_NAME),
  settings: emailSettings,
  signer: signerFrom(env),
  clock,
  logger: createLogger('email-preferences'),
});
