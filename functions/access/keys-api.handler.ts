import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoApiKeys } from './dynamo-api-keys';
import { makeKeysApiHandler } from './keys-api';

const env = environmentFor('keysApi');

export const handler = makeKeysApiHandler({ keys: new DynamoApiKeys(documentClient, env.TABLE_NAME), clock, logger: createLogger('access') });
