import * as z from 'zod';
import { DynamoContacts } from '../contacts/dynamo-contacts';
import { documentClient } from '../shared/aws';
import { parseEnv } from '../shared/env';
import { systemClock } from '../shared/ids';
import { createLogger } from '../shared/logger';
import { forms } from './forms';
import { makeSubmitFormHandler } from './submit-form';

const env = parseEnv({ TABLE_NAME: z.string().min(1) });

export const handler = makeSubmitFormHandler({
  forms,
  contacts: new DynamoContacts(documentClient, env.TABLE_NAME),
  clock: systemClock,
  logger: createLogger('forms'),
});
