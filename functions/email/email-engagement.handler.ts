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
  // The scanner window is journey time (a scanner clicks within seconds of the send as the journey sees it), so a
  // person clicking in the local inbox a second after a send, a day later in journey time, is not a scanner.
  scannerWindowSeconds: emailSettings.tracking.scannerWindowSeconds / Number(env.JOURNEY_TIME_SCALE ?? 1),
  clock,
  logger: createLogger('track-email'),
});
