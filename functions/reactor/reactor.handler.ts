import * as z from 'zod';
import { SfnJourneyStarter } from '../journeys/sfn-journey-starter';
import { documentClient } from '../shared/aws';
import { stepFunctions } from '../shared/sfn';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { DynamoReactorStore } from './dynamo-reactor-store';
import { makeReactor } from './reactor';

const env = parseEnv({
  TABLE_NAME: z.string().min(1),
  /** Journey state machines are named `<prefix><journeyId>`. */
  JOURNEY_STATE_MACHINE_ARN_PREFIX: z.string().startsWith('arn:'),
});

export const handler = makeReactor({
  store: new DynamoReactorStore(documentClient, env.TABLE_NAME),
  journeys: new SfnJourneyStarter(stepFunctions, env.JOURNEY_STATE_MACHINE_ARN_PREFIX),
  clock: systemClock,
  logger: createLogger('reactor'),
});
