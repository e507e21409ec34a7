import * as z from 'zod';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { DynamoJourneyStore } from './dynamo-journey-store';
import { DynamoDateIndex, makeJourneySweep } from './journey-sweep';
import { journeys } from './journeys';

const env = parseEnv({ TABLE_NAME: z.string().min(1) });

const sweep = makeJourneySweep({
  journeys,
  dates: new DynamoDateIndex(documentClient, env.TABLE_NAME),
  store: new DynamoJourneyStore(documentClient, env.TABLE_NAME),
  clock: systemClock,
  logger: createLogger('journey-sweep'),
});

/** EventBridge Scheduler passes its own payload; a `day` (YYYY-MM-DD) sweeps that day instead of today. */
export const handler = async (event: unknown) => {
  const day = (event as { day?: unknown } | null)?.day;
  return sweep(typeof day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(day) ? { day } : {});
};
