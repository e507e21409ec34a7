import * as z from 'zod';
import { disposableDomains } from '../forms/disposable-domains';
import { lazySecretString } from '../forms/form-secrets';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { DynamoTracking } from './dynamo-tracking';
import { makeTrackHandler } from './track';

const env = parseEnv({
  TABLE_NAME: z.string().min(1),
  /** In AWS: the Secrets Manager secret holding the write key. */
  WRITE_KEY_SECRET_ARN: z.string().min(1).optional(),
  /** Locally: the write key itself (the local runtime sets it from NURTURE_WRITE_KEY). */
  TRACKING_WRITE_KEY: z.string().min(8).optional(),
});
if (!env.WRITE_KEY_SECRET_ARN && !env.TRACKING_WRITE_KEY) {
  throw new Error('Invalid environment: WRITE_KEY_SECRET_ARN or TRACKING_WRITE_KEY is required');
}

export const handler = makeTrackHandler({
  tracking: new DynamoTracking(documentClient, env.TABLE_NAME),
  writeKey: env.WRITE_KEY_SECRET_ARN ? lazySecretString(env.WRITE_KEY_SECRET_ARN) : async () => env.TRACKING_WRITE_KEY!,
  clock: systemClock,
  logger: createLogger('tracking'),
  isDisposable: disposableDomains(),
});
