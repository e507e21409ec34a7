import { documentClient } from '../shared/aws';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoExperimentCounters } from './dynamo-experiment-counters';
import { experiments } from './experiment-content';
import { makeGetExperimentHandler } from './get-experiment';

const env = environmentFor('experiments');

/** `GET /experiments` and `GET /experiments/{id}`. */
export const handler = makeGetExperimentHandler({
  experiments,
  counters: new DynamoExperimentCounters(documentClient, env.TABLE_NAME),
  logger: createLogger('experiments'),
});
