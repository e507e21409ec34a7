import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** How long one DynamoDB attempt may take to connect, and then to be answered, before it is given up and retried. */
export const DYNAMODB_CONNECTION_TIMEOUT_MS = 2_000;
export const DYNAMODB_REQUEST_TIMEOUT_MS = 5_000;

/**
 * SDK clients, built once per cold start. Endpoints come from the standard AWS_ENDPOINT_URL_* variables, which
 * the local runtime points at DynamoDB Local; in AWS they are unset.
 */
export const dynamoDb = new DynamoDBClient({
  maxAttempts: 4,
  // Without these a stalled connection waits forever, past the function's timeout, and the caller learns nothing. An
  // attempt unanswered this long is retried (a TimeoutError is transient); callers with a deadline (form intake) pass an abortSignal too.
  requestHandler: { connectionTimeout: DYNAMODB_CONNECTION_TIMEOUT_MS, requestTimeout: DYNAMODB_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
});

export const documentClient = DynamoDBDocumentClient.from(dynamoDb, {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
