import { disposableDomains } from '../forms/disposable-domains';
import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { secretFrom } from '../shared/secrets';
import { DynamoTracking } from './dynamo-tracking';
import { makeTrackHandler } from './track';

const env = environmentFor('track');

export const handler = makeTrackHandler({
  tracking: new DynamoTracking(documentClient, env.TABLE_NAME, Number(env.RAW_EVENT_RETENTION_DAYS)),
  // In AWS the write key's secret; locally the key itself (the local runtime sets it from NURTURE_WRITE_KEY).
  writeKey: secretFrom(env.WRITE_KEY_SECRET_ARN, () => env.TRACKING_WRITE_KEY!, (key) => key),
  clock,
  logger: createLogger('tracking'),
  isDisposable: disposableDomains(),
});
