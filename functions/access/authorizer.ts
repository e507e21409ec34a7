import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import type { TokenSource } from '../shared/admin-auth';
import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import { decide, KEY_PREFIX, lastUseDue, LAST_USED_INTERVAL_MS, parseApiKey, type Presented, type RouteAccess } from './domain/access';
import { contextOf, type AuthorizerContext } from './authorizer-context';
import { sameSecret, secretMatches } from './key-secrets';
import { JWT_SHAPE } from './console-tokens';
import type { ApiKeyStore, PersonTokenVerifier } from './ports';

export interface AuthorizerDeps {
  readonly keys: ApiKeyStore;
  /** People's console sign-in tokens (Cognito access tokens). */
  readonly people: PersonTokenVerifier;
  /** The bootstrap admin token: accepted on the routes that allow it (the keys routes), nowhere else. */
  readonly adminToken: TokenSource;
  /** What each private route needs, by route key (generated from the registry). */
  readonly routes: Readonly<Record<string, RouteAccess>>;
  readonly clock: Clock;
  readonly logger: Logger;
}

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;

/** A route the registry declares no access for needs `admin`: a route added without a scope stays closed to narrower keys. */
const UNDECLARED: RouteAccess = { scope: 'admin' };

/**
 * The Lambda authorizer of every private route (payload 2.0, simple responses): reads the bearer credential (an API
 * key, a person's sign-in token or the bootstrap token), looks the key up or verifies the token, decides with the
 * access rules (functions/access/domain/access.ts) and returns the verdict as context.
 * It allows the request through either way: the route's function answers a refusal (see authorizer-context.ts).
 */
export const makeAuthorizer =
  (deps: AuthorizerDeps) =>
  async (event: APIGatewayRequestAuthorizerEventV2): Promise<AuthorizerResult> => {
    const access = deps.routes[event.routeKey] ?? UNDECLARED;
    const now = deps.clock.now();
    const presented = await present(deps, bearer(event.headers?.authorization ?? event.headers?.Authorization));
    const verdict = decide(presented, access, now);
    if (verdict.type === 'Granted' && presented.type === 'Key' && presented.record && lastUseDue(presented.record, now)) {
      // A failed write of the last-used time must not refuse a good key.
      await deps.keys
        .touch(presented.record.keyId, now.toISOString(), new Date(now.getTime() - LAST_USED_INTERVAL_MS).toISOString())
        .catch((error: unknown) => deps.logger.warn('last-used time not recorded', { keyId: presented.record?.keyId, error: String(error) }));
    }
    // Who, as records name them: a key's id or `user:<sub>`; never a username (it may be an email).
    deps.logger.info('authorized', {
      routeKey: event.routeKey,
      ...(verdict.type === 'Granted' ? { keyId: verdict.caller.keyId, outcome: 'granted' } : { outcome: verdict.refusal.error }),
      ...(verdict.type === 'Refused' && presented.type === 'Key' && presented.record ? { keyId: presented.record.keyId } : {}),
      ...(verdict.type === 'Refused' && presented.type === 'Person' && presented.token ? { keyId: `user:${presented.token.sub}` } : {}),
    });
    return { isAuthorized: true, context: contextOf(verdict) };
  };

/** The credential of `Authorization: Bearer <credential>`, `''` for another scheme or shape, undefined when absent. */
function bearer(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? '';
}

async function present(deps: AuthorizerDeps, credential: string | undefined): Promise<Presented> {
  if (credential === undefined) return { type: 'Nothing' };
  const parsed = parseApiKey(credential);
  if (parsed) {
    const record = await deps.keys.get(parsed.keyId);
    return { type: 'Key', record, secretMatches: record ? secretMatches(parsed.secret, record.secretHash) : false };
  }
  if (credential && !credential.startsWith(KEY_PREFIX) && sameSecret(credential, await deps.adminToken())) return { type: 'BootstrapToken' };
  if (JWT_SHAPE.test(credential)) return { type: 'Person', token: await deps.people.verify(credential) };
  return { type: 'Malformed' };
}
