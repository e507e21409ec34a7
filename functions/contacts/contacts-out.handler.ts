import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { suppressionKeyFromEnv } from '../shared/suppression-key';
import { stepFunctions } from '../shared/sfn';
import { crmEraserFor, crmSettingsSource, outboundOptions } from '../crm/config';
import { SfnJourneys } from '../journeys/sfn-journeys';
import { makeContactsOutHandler } from './contacts-out';
import { DynamoContactData } from './dynamo-contact-data';

const env = environmentFor('contactsOut');
const crmSettings = crmSettingsSource(env);

export const handler = makeContactsOutHandler({
  data: new DynamoContactData(documentClient, env.TABLE_NAME),
  executions: new SfnJourneys(stepFunctions, env.JOURNEY_STATE_MACHINE_ARN_PREFIX),
  suppressionKey: suppressionKeyFromEnv(env),
  crm: async () => crmEraserFor(await crmSettings(), outboundOptions(env)),
  clock,
  logger: createLogger('contacts'),
});

