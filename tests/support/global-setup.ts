import type { TestProject } from 'vitest/node';
import { resolve } from 'node:path';
import { buildConsole } from '../../local/console';
import { startDynamoDbLocal } from '../../local/dynamodb-local';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoints: string[];
  }
}

/**
 * DynamoDB Local instances for the run (`NURTURE_TEST_DYNAMODB_INSTANCES`, default 4), in memory; test files take
 * them in turn (tests/support/table.ts). One instance for the whole run made it the suite's bottleneck: it serves
 * every call under one lock and slows as the run's tables and streams pile up, so a file that takes 6 s alone took
 * 99 s late in a full run.
 */
export default async function setup(project: TestProject) {
  // The console app, built once for the run (skipped when console/dist is of the same sources).
  await buildConsole(resolve(import.meta.dirname, '../..'));
  const count = Math.max(1, Number(process.env.NURTURE_TEST_DYNAMODB_INSTANCES) || 4);
  const started = await Promise.allSettled(Array.from({ length: count }, () => startDynamoDbLocal()));
  const instances = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stopAll = () => Promise.all(instances.map((instance) => instance.stop()));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  project.provide('dynamoDbEndpoints', instances.map((instance) => instance.endpoint));
  return stopAll;
}
