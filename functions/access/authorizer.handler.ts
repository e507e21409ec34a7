import { tokenFromEnv } from '../shared/admin-auth';
import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { makeAuthorizer } from './authorizer';
import { consoleTokenVerifier } from './console-tokens';
import { DynamoApiKeys } from './dynamo-api-keys';
import { routeAccess } from './route-access.generated';

const env = environmentFor('authorizer');

export const handler = makeAuthorizer({
  keys: new DynamoApiKeys(documentClient, env.TABLE_NAME),
  people: consoleTokenVerifier({ issuer: env.CONSOLE_TOKEN_ISSUER, jwksUri: env.CONSOLE_JWKS_URI, clientId: env.CONSOLE_CLIENT_ID }),
  adminToken: tokenFromEnv(env, 'ADMIN_TOKEN'),
  routes: routeAccess,
  clock,
  logger: createLogger('access'),
});
