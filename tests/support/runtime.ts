import { startRuntime, type Runtime, type RuntimeOptions } from '../../local/runtime';
import { LOCAL_API_KEY } from '../../local/settings';

/**
 * The whole local runtime in this process, on free ports and in memory, with a DynamoDB Local of its own. Sharing the
 * run's one DynamoDB Local (`dynamoDbEndpoint`) saved a JVM start per file, but with every file's tables and streams
 * in one instance the full suite's runtime files slowed past their timeouts, so each keeps its own.
 */
export function startTestRuntime(options: Omit<RuntimeOptions, 'port' | 'dynamoDbPort' | 'dynamoDbEndpoint' | 'sesPort' | 'dataDir'> & { readonly tableName: string }): Promise<Runtime> {
  // The local development key (scope admin), whatever the environment sets: tests call private routes with `runtime.apiKey`.
  return startRuntime({ apiKey: LOCAL_API_KEY, ...options, port: 0, dynamoDbPort: 0, sesPort: 0, cognitoPort: 0, dataDir: null });
}
