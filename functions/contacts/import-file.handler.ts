import { S3Client } from '@aws-sdk/client-s3';
import { documentClient } from '../shared/aws';
import { clock } from '../shared/clock';
import { environmentFor } from '../shared/environment';
import { createLogger } from '../shared/logger';
import { suppressionKeyFromEnv } from '../shared/suppression-key';
import { disposableDomains } from '../forms/disposable-domains';
import { lifecycle } from '../scoring/domain/content';
import { attributeFields, emailTopics } from './attribute-fields';
import { DynamoContactUpserts } from './dynamo-upsert';
import { makeImportFile } from './import-file';
import { S3ImportFiles } from './s3-import-files';

const env = environmentFor('importFile');

// The endpoint comes from AWS_ENDPOINT_URL_S3 (the local runtime's bucket, unset in AWS); the local bucket is
// addressed in the path, as S3 emulators serve it.
const s3 = new S3Client({ forcePathStyle: env.NURTURE_LOCAL === '1' });

export const handler = makeImportFile({
  files: new S3ImportFiles(s3, env.IMPORT_BUCKET),
  upserts: new DynamoContactUpserts(documentClient, env.TABLE_NAME, lifecycle.initial, suppressionKeyFromEnv(env)),
  rules: { fields: attributeFields(), topics: emailTopics, isDisposable: disposableDomains() },
  clock,
  logger: createLogger('contacts'),
});
