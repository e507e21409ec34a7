import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoReviewAppender, DynamoReviewIndex, DynamoSweepCursor, makeSegmentSweep } from './segment-sweep';

const env = environmentFor('segmentSweep');

const sweep = makeSegmentSweep({
  index: new DynamoReviewIndex(documentClient, env.TABLE_NAME),
  cursor: new DynamoSweepCursor(documentClient, env.TABLE_NAME),
  appender: new DynamoReviewAppender(documentClient, env.TABLE_NAME),
  clock,
  logger: createLogger('segment-sweep'),
});

/** EventBridge Scheduler's payload carries nothing the sweep needs: it reviews whatever is due by now. */
export const handler = async () => sweep();
