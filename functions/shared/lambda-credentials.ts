import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in functions that bundle the AWS SDK (`bundleAwsSdk`, see
 * lib/shared/nurture-function.ts). Lambda hands a function its execution role's credentials in environment
 * variables, so the default chain's other providers (SSO, INI files, credential processes, web identity,
 * container and instance metadata, with the STS and SSO clients they carry) are dead weight there: about 130 KB of
 * a bundle. Never used outside those bundles (the local runtime and the tests load the real chain).
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
