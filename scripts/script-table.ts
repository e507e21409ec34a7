import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localCredentials, localRegion } from '../local/dynamodb-local';

/**
 * The table a maintenance script works on: the `npm start` table in DynamoDB Local by default
 * (`NURTURE_DYNAMODB_PORT`, table `nurture-local`), or with `aws` the table `TABLE_NAME` names in AWS, with the
 * usual AWS credentials. Exits with status 2 when `aws` is asked without `TABLE_NAME`.
 */
export function scriptTable(aws: boolean): { readonly db: DynamoDBDocumentClient; readonly tableName: string; close(): void } {
  const tableName = process.env.TABLE_NAME ?? (aws ? undefined : 'nurture-local');
  if (!tableName) {
    console.error('TABLE_NAME is required with --aws');
    process.exit(2);
  }
  const client = aws
    ? new DynamoDBClient({})
    : new DynamoDBClient({
        endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? `http://127.0.0.1:${process.env.NURTURE_DYNAMODB_PORT ?? '8000'}`,
        region: localRegion,
        credentials: localCredentials,
      });
  const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  // The document client's destroy leaves the client it wraps open: its sockets would keep the script alive.
  return { db, tableName, close: () => client.destroy() };
}
