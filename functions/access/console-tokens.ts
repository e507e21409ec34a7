import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { PersonToken } from './domain/access';
import type { PersonTokenVerifier } from './ports';

export interface ConsoleTokenSettings {
  /** The user pool's `iss`: `https://cognito-idp.<region>.amazonaws.com/<poolId>`, locally cognito-local's. */
  readonly issuer: string;
  readonly jwksUri: string;
  /** The console's app client: access tokens of any other client are refused. */
  readonly clientId: string;
}

/** A JWT's shape: three base64url parts (API keys start with `nk_` and hold no dot). */
export const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Cognito access tokens verified with aws-jwt-verify: RS256 signature against the pool's JWKS (fetched once and cached
 * per key id), `iss`, `exp`, `token_use: access` and `client_id`. The same code runs in AWS and against cognito-local,
 * so the JWKS is fetched with the platform's fetch rather than the library's HTTPS-only fetcher.
 */
export function consoleTokenVerifier(settings: ConsoleTokenSettings): PersonTokenVerifier {
  const jwksCache = new SimpleJwksCache({
    fetcher: {
      fetch: async (uri: string) => {
        const response = await fetch(uri, { signal: AbortSignal.timeout(3_000) });
        if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
        return response.arrayBuffer();
      },
    },
  });
  const verifier = JwtVerifier.create(
    {
      issuer: settings.issuer,
      jwksUri: settings.jwksUri,
      // Access tokens carry no `aud`; the client is `client_id`, checked below.
      audience: null,
      customJwtCheck: ({ payload }) => {
        if (payload.token_use !== 'access') throw new Error('not an access token');
        if (payload.client_id !== settings.clientId) throw new Error('not a token of the console client');
      },
    },
    { jwksCache },
  );
  return {
    verify: async (token) => {
      if (!JWT_SHAPE.test(token)) return undefined;
      const payload = await verifier.verify(token).catch(() => undefined);
      if (!payload || typeof payload.sub !== 'string') return undefined;
      const groups = payload['cognito:groups'];
      const username = payload.username;
      return {
        sub: payload.sub,
        username: typeof username === 'string' ? username : payload.sub,
        groups: Array.isArray(groups) ? groups.filter((group): group is string => typeof group === 'string') : [],
      } satisfies PersonToken;
    },
  };
}
