import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * SDK clients, built once per cold start. Endpoints come from the standard AWS_ENDPOINT_URL_* variables, which
 * the local runtime points at DynamoDB Local; in AWS they are unset.
 */
export const dynamoDb = new DynamoDBClient({ maxAttempts: 4 });

export const documentClient = DynamoDBDocumentClient.from(dynamoDb, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
