import * as z from 'zod';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { DynamoEmailStore } from './dynamo-email-store';
import { emailSettings } from './email-settings';
import { signerFrom } from './signing-keys';
import { makeTrack } from './track';

const env = parseEnv({
  TABLE_NAME: z.string().min(1),
  EMAIL_SIGNING_KEYS: z.string().min(16).optional(),
  EMAIL_SIGNING_KEYS_SECRET_ARN: z.string().startsWith('arn:').optional(),
  /**
   * How many times faster than real time journey time passes: 1 in AWS; the local runtime sets its `TIME_SCALE`.
   * The scanner window is journey time (a scanner clicks within seconds of the send as the journey sees it), so a
   * person clicking in the local inbox a second after a send, a day later in journey time, is not a scanner.
   */
  JOURNEY_TIME_SCALE: z.coerce.number().positive().default(1),
});

export const handler = makeTrack({
  store: new DynamoEmailStore(documentClient, env.TABLE_NAME),
  signer: signerFrom(env),
  scannerWindowSeconds: emailSettings.tracking.scannerWindowSeconds / env.JOURNEY_TIME_SCALE,
  clock: systemClock,
  logger: createLogger('track-email'),
});
