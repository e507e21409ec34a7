import { capabilityPorts } from '../capability-ports';
import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoReactorStore } from './dynamo-reactor-store';
import { makeReactor } from './reactor';

const env = environmentFor('reactor');

export const handler = makeReactor({
  store: new DynamoReactorStore(documentClient, env.TABLE_NAME),
  ...capabilityPorts(env),
  clock,
  logger: createLogger('reactor'),
});
