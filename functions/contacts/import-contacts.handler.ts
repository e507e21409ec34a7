import { tokenFromEnv } from '../shared/admin-auth';
import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { suppressionKeyFromEnv } from '../shared/suppression-key';
import { disposableDomains } from '../forms/disposable-domains';
import { lifecycle } from '../scoring/domain/content';
import { attributeFields, emailTopics } from './attribute-fields';
import { DynamoContactUpserts } from './dynamo-upsert';
import { makeImportContactsHandler } from './import-contacts';

const env = environmentFor('importContacts');

export const handler = makeImportContactsHandler({
  upserts: new DynamoContactUpserts(documentClient, env.TABLE_NAME, lifecycle.initial, suppressionKeyFromEnv(env)),
  rules: { fields: attributeFields(), topics: emailTopics, isDisposable: disposableDomains() },
  adminToken: tokenFromEnv(env, 'ADMIN_TOKEN'),
  clock,
  logger: createLogger('contacts'),
});
