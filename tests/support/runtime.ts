import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../local/runtime';

/**
 * The whole local runtime in this process, on free ports and in memory, its table (named after `tableName`, made
 * unique for the run) in the run's one DynamoDB Local: a runtime of its own would start another JVM per file.
 */
export function startTestRuntime(options: Omit<RuntimeOptions, 'port' | 'dynamoDbPort' | 'dynamoDbEndpoint' | 'sesPort' | 'dataDir'> & { readonly tableName: string }): Promise<Runtime> {
  return startRuntime({
    ...options,
    port: 0,
    sesPort: 0,
    dataDir: null,
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
    tableName: `${options.tableName}-${randomUUID().slice(0, 8)}`,
  });
}
