import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { lifecycle } from '../scoring/domain/content';
import { DynamoSegmentCounters } from './dynamo-segment-counters';
import { previewSegment, shippedFunnel } from './rebuild';
import { makeSegmentPreviewHandler, PREVIEW_MAX_CONTACTS, PREVIEW_MAX_MILLIS, PREVIEW_SAMPLE } from './segment-preview';
import { segments } from './segments';

const env = environmentFor('segmentPreview');

export const handler = makeSegmentPreviewHandler({
  preview: (segment, now, budget) =>
    previewSegment({ db: documentClient, tableName: env.TABLE_NAME, segment, now, funnel: shippedFunnel, sampleSize: PREVIEW_SAMPLE, budget }),
  segments,
  stages: new Set([...lifecycle.stages, ...lifecycle.sideStages].map((stage) => stage.id)),
  counters: new DynamoSegmentCounters(documentClient, env.TABLE_NAME),
  budget: { maxMillis: PREVIEW_MAX_MILLIS, maxContacts: PREVIEW_MAX_CONTACTS },
  clock,
  logger: createLogger('segments'),
});
