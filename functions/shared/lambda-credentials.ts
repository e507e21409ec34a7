/**
 * Stands in for `@aws-sdk/credential-provider-node` in functions that bundle the AWS SDK (`bundleAwsSdk`, see
 * lib/shared/nurture-function.ts). Lambda hands a function its execution role's credentials in environment
 * variables, so the default chain's other providers (SSO, INI files, credential processes, web identity,
 * container and instance metadata, with the STS and SSO clients they carry) are dead weight there: about 130 KB of
 * a bundle. Never used outside those bundles (the local runtime and the tests load the real chain).
 */
interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export const defaultProvider = () => async (): Promise<Credentials> => {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION } = process.env;
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY) {
    throw new Error('No AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)');
  }
  return {
    accessKeyId: AWS_ACCESS_KEY_ID,
    secretAccessKey: AWS_SECRET_ACCESS_KEY,
    ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
    ...(AWS_CREDENTIAL_EXPIRATION ? { expiration: new Date(AWS_CREDENTIAL_EXPIRATION) } : {}),
  };
};
