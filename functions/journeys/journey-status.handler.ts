import { documentClient } from '../shared/aws';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoJourneyStore } from './dynamo-journey-store';
import { makeJourneyStatus } from './journey-status';

const env = environmentFor('journeyStatus');

export const handler = makeJourneyStatus({
  store: new DynamoJourneyStore(documentClient, env.TABLE_NAME),
  logger: createLogger('journey-status'),
});
