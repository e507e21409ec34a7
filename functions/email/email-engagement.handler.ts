import * as z from 'zod';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { DynamoEmailStore } from './dynamo-email-store';
import { emailSettings } from './email-settings';
import { signerFrom } from './signing-keys';
import { makeTrack } from './email-engagement';

const env = parseEnv({
  TABLE_NAME: z.string().min(1),
  EMAIL_SIGNING_KEYS: z.string().min(16).optional(),
  EMAIL_SIGNING_KEYS_SECRET_ARN: z.string().startsWith('arn:').optional(),
});

export const handler = makeTrack({
  store: new DynamoEmailStore(documentClient, env.TABLE_NAME),
  signer: signerFrom(env),
  scannerWindowSeconds: emailSettings.tracking.scannerWindowSeconds,
  clock: systemClock,
  logger: createLogger('track-email'),
});
