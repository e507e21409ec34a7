import * as z from 'zod';
import { capabilityPorts, capabilityPortsEnv } from '../capability-ports';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { DynamoReactorStore } from './dynamo-reactor-store';
import { makeReactor } from './reactor';

const env = parseEnv({
  TABLE_NAME: z.string().min(1),
  ...capabilityPortsEnv,
});

export const handler = makeReactor({
  store: new DynamoReactorStore(documentClient, env.TABLE_NAME),
  ...capabilityPorts(env, process.env),
  clock: systemClock,
  logger: createLogger('reactor'),
});
