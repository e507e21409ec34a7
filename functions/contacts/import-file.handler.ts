import { S3Client } from '@aws-sdk/client-s3';
import { environmentFor } from '../shared/environment';
import { makeImportFile } from './import-file';
import { S3ImportFiles } from './s3-import-files';
import { upsertingFrom } from './upsert-deps';

const env = environmentFor('importFile');

// The endpoint comes from AWS_ENDPOINT_URL_S3 (the local runtime's bucket, unset in AWS); the local bucket is
// addressed in the path, as S3 emulators serve it.
const s3 = new S3Client({ forcePathStyle: env.NURTURE_LOCAL === '1' });

export const handler = makeImportFile({ ...upsertingFrom(env), files: new S3ImportFiles(s3, env.IMPORT_BUCKET) });
