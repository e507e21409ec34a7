import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { lifecycle, scoringRules } from './domain/content';
import { DynamoScoreReader, makeReadScoreHandler } from './read-score';

const env = environmentFor('readScore');

export const handler = makeReadScoreHandler({
  reader: new DynamoScoreReader(documentClient, env.TABLE_NAME),
  rules: scoringRules,
  lifecycle,
  clock,
  logger: createLogger('scoring'),
});
