import { inject } from 'vitest';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../local/runtime';
import { LOCAL_API_KEY } from '../../local/settings';

/**
 * The whole local runtime in this process, on free ports and in memory, with a DynamoDB Local of its own. Sharing the
 * run's one DynamoDB Local (`dynamoDbEndpoint`) saved a JVM start per file, but with every file's tables and streams
 * in one instance the full suite's runtime files slowed past their timeouts, so each keeps its own.
 * Its people sign in at the run's one cognito-local (tests/support/global-setup.ts), in a user pool of the runtime's
 * own, so no file sees another's users; a file that names `cognitoPort` gets a cognito-local of its own instead (the
 * console sign-in test runs `npm run users`, which finds the pool by its `npm start` name).
 */
export function startTestRuntime(options: Omit<RuntimeOptions, 'port' | 'dynamoDbPort' | 'dynamoDbEndpoint' | 'sesPort' | 'dataDir' | 'identityEndpoint'> & { readonly tableName: string }): Promise<Runtime> {
  const identity = options.cognitoPort === undefined ? { identityEndpoint: inject('identityEndpoint') } : {};
  // The local development key (scope admin), whatever the environment sets: tests call private routes with `runtime.apiKey`.
  return startRuntime({ apiKey: LOCAL_API_KEY, ...options, ...identity, port: 0, dynamoDbPort: 0, sesPort: 0, cognitoPort: 0, dataDir: null });
}
