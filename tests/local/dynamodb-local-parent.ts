/**
 * A parent process for tests/local/dynamodb-local.test.ts: starts DynamoDB Local, prints its port, then crashes
 * with an uncaught error and no stop() — as a runtime with a bug would.
 */
import { startDynamoDbLocal } from '../../local/dynamodb-local';

const dynamo = await startDynamoDbLocal();
console.log(`port ${dynamo.port}`);
setTimeout(() => {
  throw new Error('crash on purpose');
}, 10);
