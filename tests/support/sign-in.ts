import type { Role } from '../../functions/access/domain/roles';
import type { Runtime } from '../../local/runtime';

/** The tokens Cognito's InitiateAuth answers with. */
export interface SignedIn {
  readonly AccessToken: string;
  readonly IdToken: string;
  readonly RefreshToken: string;
  readonly ExpiresIn: number;
}

/** One call to the Cognito user-pool API as the console makes it: fetch, JSON 1.1, `x-amz-target`, from a browser origin. */
export async function cognitoCall(runtime: Runtime, target: string, body: unknown, origin = runtime.url): Promise<Response> {
  return fetch(`${runtime.identity.endpoint}/`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${target}` },
    body: JSON.stringify(body),
  });
}

/** Signs the runtime's local user for `role` in with USER_PASSWORD_AUTH, as the console does; its tokens. */
export async function signInTokens(runtime: Runtime, role: Role): Promise<SignedIn> {
  const response = await cognitoCall(runtime, 'InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    ClientId: runtime.identity.clientId,
    AuthParameters: { USERNAME: role, PASSWORD: runtime.identity.password },
  });
  if (!response.ok) throw new Error(`sign-in of ${role} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { AuthenticationResult: SignedIn }).AuthenticationResult;
}

/** The access token of the runtime's local user for `role`: `Authorization: Bearer <it>` on the API. */
export async function signIn(runtime: Runtime, role: Role): Promise<string> {
  return (await signInTokens(runtime, role)).AccessToken;
}
