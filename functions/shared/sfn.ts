import { SFNClient } from '@aws-sdk/client-sfn';

/**
 * The Step Functions client, built once per cold start, in its own module so functions that never call Step
 * Functions never load its SDK. Locally AWS_ENDPOINT_URL_SFN points it at the local Step Functions endpoint.
 */
export const stepFunctions = new SFNClient({ maxAttempts: 4 });
