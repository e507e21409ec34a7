import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoSegmentCounters } from './dynamo-segment-counters';
import { DynamoSegmentMembers } from './dynamo-segment-members';
import { makeSegmentsApiHandler } from './segments-api';
import { segmentSources, segments } from './segments';

const env = environmentFor('segmentsApi');

export const handler = makeSegmentsApiHandler({
  segments,
  sources: segmentSources,
  counters: new DynamoSegmentCounters(documentClient, env.TABLE_NAME),
  members: new DynamoSegmentMembers(documentClient, env.TABLE_NAME),
  clock,
  logger: createLogger('segments'),
});
