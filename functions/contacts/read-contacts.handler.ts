import { documentClient } from '../shared/aws';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { lifecycle } from '../scoring/domain/content';
import { shippedOverviewRules } from './contact-overview-rules';
import { DynamoContactData } from './dynamo-contact-data';
import { DynamoContacts } from './dynamo-contacts';
import { DynamoContactSearch } from './dynamo-search';
import { makeReadContactsHandler } from './read-contacts';

const env = environmentFor('readContacts');

export const handler = makeReadContactsHandler({
  contacts: new DynamoContacts(documentClient, env.TABLE_NAME),
  logger: createLogger('contacts'),
  search: {
    index: new DynamoContactSearch(documentClient, env.TABLE_NAME, lifecycle.initial),
    stages: new Set([...lifecycle.stages, ...lifecycle.sideStages].map((stage) => stage.id)),
  },
  overview: {
    data: new DynamoContactData(documentClient, env.TABLE_NAME),
    rules: shippedOverviewRules,
  },
});
