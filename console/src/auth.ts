import type { ConsoleConfig } from './config';

/**
 * Sign-in against a Cognito user pool's API (`InitiateAuth` with USER_PASSWORD_AUTH, `RespondToAuthChallenge` for a
 * first sign-in's new password, REFRESH_TOKEN_AUTH), called straight from the browser as Cognito allows for a public
 * app client. The same calls reach the local identity provider under `npm start`. Tokens live in sessionStorage: a
 * closed tab signs out.
 */
export interface Session {
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** Epoch milliseconds after which the access token is refreshed before use. */
  readonly expiresAt: number;
  readonly username: string;
}

export type SignInOutcome =
  | { readonly type: 'SignedIn'; readonly session: Session }
  | { readonly type: 'NewPasswordRequired'; readonly challengeSession: string }
  | { readonly type: 'CodeRequired'; readonly challengeSession: string }
  | { readonly type: 'Refused'; readonly message: string };

const STORAGE_KEY = 'nurture.console.session';

interface CognitoAnswer {
  AuthenticationResult?: { AccessToken: string; RefreshToken?: string; ExpiresIn: number };
  ChallengeName?: string;
  Session?: string;
  __type?: string;
  /** The local identity provider names the error here. */
  code?: string;
  message?: string;
}

async function cognito(config: ConsoleConfig, action: string, body: Record<string, unknown>): Promise<CognitoAnswer> {
  const response = await fetch(config.auth.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${action}` },
    body: JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => ({}))) as CognitoAnswer;
  if (!response.ok) {
    const kind = (answer.__type ?? answer.code ?? '').split('#').pop() ?? '';
    const message =
      kind === 'NotAuthorizedException' || kind === 'UserNotFoundException'
        ? 'Incorrect username or password.'
        : kind === 'InvalidPasswordException'
          ? (answer.message ?? 'That password does not meet the policy.')
          : (answer.message ?? `Sign-in failed (${response.status}).`);
    throw new SignInRefused(message);
  }
  return answer;
}

export class SignInRefused extends Error {
  override name = 'SignInRefused';
}

function sessionOf(answer: CognitoAnswer, username: string, previousRefresh?: string): Session {
  const result = answer.AuthenticationResult!;
  const refreshToken = result.RefreshToken ?? previousRefresh;
  return {
    accessToken: result.AccessToken,
    ...(refreshToken ? { refreshToken } : {}),
    expiresAt: Date.now() + (result.ExpiresIn - 60) * 1000,
    username,
  };
}

export async function signIn(config: ConsoleConfig, username: string, password: string): Promise<SignInOutcome> {
  try {
    const answer = await cognito(config, 'InitiateAuth', {
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: config.auth.clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    });
    if (answer.ChallengeName === 'NEW_PASSWORD_REQUIRED' && answer.Session) return { type: 'NewPasswordRequired', challengeSession: answer.Session };
    if (answer.ChallengeName === 'SOFTWARE_TOKEN_MFA' && answer.Session) return { type: 'CodeRequired', challengeSession: answer.Session };
    if (!answer.AuthenticationResult) return { type: 'Refused', message: `Sign-in needs a step the console does not offer (${answer.ChallengeName ?? 'unknown'}).` };
    return { type: 'SignedIn', session: store(sessionOf(answer, username)) };
  } catch (error) {
    if (error instanceof SignInRefused) return { type: 'Refused', message: error.message };
    throw error;
  }
}

/** A first sign-in with a temporary password: the new password the person chose. */
export async function setNewPassword(config: ConsoleConfig, username: string, challengeSession: string, password: string): Promise<SignInOutcome> {
  try {
    const answer = await cognito(config, 'RespondToAuthChallenge', {
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      ClientId: config.auth.clientId,
      Session: challengeSession,
      ChallengeResponses: { USERNAME: username, NEW_PASSWORD: password },
    });
    if (!answer.AuthenticationResult) return { type: 'Refused', message: 'The new password was not accepted.' };
    return { type: 'SignedIn', session: store(sessionOf(answer, username)) };
  } catch (error) {
    if (error instanceof SignInRefused) return { type: 'Refused', message: error.message };
    throw error;
  }
}

/** The second factor: the six-digit code of the person's authenticator app. */
export async function answerCode(config: ConsoleConfig, username: string, challengeSession: string, code: string): Promise<SignInOutcome> {
  try {
    const answer = await cognito(config, 'RespondToAuthChallenge', {
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      ClientId: config.auth.clientId,
      Session: challengeSession,
      ChallengeResponses: { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: code },
    });
    if (!answer.AuthenticationResult) return { type: 'Refused', message: 'The code was not accepted.' };
    return { type: 'SignedIn', session: store(sessionOf(answer, username)) };
  } catch (error) {
    if (error instanceof SignInRefused) return { type: 'Refused', message: error.message };
    throw error;
  }
}

/** The stored session, refreshed first when its access token is about to expire; undefined when signed out. */
export async function currentSession(config: ConsoleConfig): Promise<Session | undefined> {
  const session = stored();
  if (!session) return undefined;
  if (session.expiresAt > Date.now()) return session;
  if (!session.refreshToken) return signOut();
  try {
    const answer = await cognito(config, 'InitiateAuth', {
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      ClientId: config.auth.clientId,
      AuthParameters: { REFRESH_TOKEN: session.refreshToken },
    });
    return answer.AuthenticationResult ? store(sessionOf(answer, session.username, session.refreshToken)) : signOut();
  } catch {
    return signOut();
  }
}

export function signOut(): undefined {
  sessionStorage.removeItem(STORAGE_KEY);
  return undefined;
}

function stored(): Session | undefined {
  try {
    const text = sessionStorage.getItem(STORAGE_KEY);
    return text ? (JSON.parse(text) as Session) : undefined;
  } catch {
    return undefined;
  }
}

function store(session: Session): Session {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  return session;
}
