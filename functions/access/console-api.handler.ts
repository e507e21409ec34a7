import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { DynamoAuditTrail } from './audit-trail';
import { makeConsoleApiHandler } from './console-api';

const env = environmentFor('consoleApi');

export const handler = makeConsoleApiHandler({ audit: new DynamoAuditTrail(documentClient, env.TABLE_NAME), clock, logger: createLogger('access') });
