import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoJourneyStore } from './dynamo-journey-store';
import { DynamoDateIndex, makeJourneySweep } from './journey-sweep';
import { journeys } from './journeys';

const env = environmentFor('journeySweep');

const sweep = makeJourneySweep({
  journeys,
  dates: new DynamoDateIndex(documentClient, env.TABLE_NAME),
  store: new DynamoJourneyStore(documentClient, env.TABLE_NAME),
  clock,
  logger: createLogger('journey-sweep'),
});

/** EventBridge Scheduler passes its own payload; a `day` (YYYY-MM-DD) sweeps that day instead of today. */
export const handler = async (event: unknown) => {
  const day = (event as { day?: unknown } | null)?.day;
  return sweep(typeof day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(day) ? { day } : {});
};
