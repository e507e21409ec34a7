/**
 * A parent process for tests/local/dynamodb-local.test.ts: starts DynamoDB Local, prints its port, then crashes
 * with an uncaught error and no stop() — as a runtime with a bug would. It crashes when the test writes a line to
 * its stdin (once the test has found DynamoDB Local running), or when its stdin closes (the test went away).
 */
import { startDynamoDbLocal } from '../../local/dynamodb-local';

const dynamo = await startDynamoDbLocal();
console.log(`port ${dynamo.port}`);
const crash = () => {
  throw new Error('crash on purpose');
};
process.stdin.once('data', crash);
process.stdin.once('end', crash);
