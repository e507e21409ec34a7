import type { TestProject } from 'vitest/node';
import { resolve } from 'node:path';
import { buildConsole } from '../../local/console';
import { startDynamoDbLocal } from '../../local/dynamodb-local';
import { startCognitoLocal } from '../../local/identity-provider';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoints: string[];
    /** The run's one cognito-local: every test runtime gets a user pool of its own in it (tests/support/runtime.ts). */
    identityEndpoint: string;
  }
}

/**
 * DynamoDB Local instances for the run (`NURTURE_TEST_DYNAMODB_INSTANCES`, default 4), in memory; test files take
 * them in turn (tests/support/table.ts). One instance for the whole run made it the suite's bottleneck: it serves
 * every call under one lock and slows as the run's tables and streams pile up, so a file that takes 6 s alone took
 * 99 s late in a full run.
 * And one cognito-local for the run's runtimes, each in a pool of its own: it does little per runtime (a pool, three
 * users), while a process of its own cost every runtime test file a Node start.
 */
export default async function setup(project: TestProject) {
  // The console app, built once for the run (skipped when console/dist is of the same sources).
  await buildConsole(resolve(import.meta.dirname, '../..'));
  const count = Math.max(1, Number(process.env.NURTURE_TEST_DYNAMODB_INSTANCES) || 4);
  const [identity, ...started] = await Promise.allSettled([startCognitoLocal({ port: 0, dataDir: null }), ...Array.from({ length: count }, () => startDynamoDbLocal())]);
  const stoppable = [identity, ...started].flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stopAll = () => Promise.all(stoppable.map((instance) => instance.stop()));
  const failed = [identity, ...started].find((result) => result.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  const instances = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  project.provide('dynamoDbEndpoints', instances.map((instance) => instance.endpoint));
  project.provide('identityEndpoint', (identity as PromiseFulfilledResult<{ endpoint: string }>).value.endpoint);
  return stopAll;
}
