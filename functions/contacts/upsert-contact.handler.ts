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
import { makeUpsertContactHandler } from './upsert-contact';

const env = environmentFor('upsertContact');

export const handler = makeUpsertContactHandler({
  upserts: new DynamoContactUpserts(documentClient, env.TABLE_NAME, lifecycle.initial, suppressionKeyFromEnv(env)),
  rules: { fields: attributeFields(), topics: emailTopics, isDisposable: disposableDomains() },
  adminToken: tokenFromEnv(env, 'ADMIN_TOKEN'),
  clock,
  logger: createLogger('contacts'),
});
