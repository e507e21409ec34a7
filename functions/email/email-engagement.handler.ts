import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoEmailStore } from './dynamo-email-store';
import { emailSettings } from './email-settings';
import { signerFrom } from './signing-keys';
import { makeTrack } from './email-engagement';

const env = environmentFor('emailTracking');

export const handler = makeTrack({
  store: new DynamoEmailStore(documentClient, env.TABLE_NAME),
  signer: signerFrom(env),
  scannerWindowSeconds: emailSettings.tracking.scannerWindowSeconds,
  clock,
  logger: createLogger('track-email'),
});
