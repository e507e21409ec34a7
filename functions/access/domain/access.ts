/**
 * API keys and their scopes: what a key looks like, what a scope grants, and the one decision an authorizer makes
 * for a request. Pure: no SDK, no environment, no clock of its own.
 */

import { SCOPES, type RouteAccess, type Scope } from '../../../lib/shared/access-scopes';
import { ROLE_SCOPES, roleOf, type Role } from './roles';

export { SCOPES, type RouteAccess, type Scope };

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Scopes a scope implies besides itself: whoever may enrol contacts in journeys may read the journeys. */
const IMPLIED: Partial<Record<Scope, readonly Scope[]>> = { 'journeys:enroll': ['journeys:read'] };

/**
 * True when a caller holding `held` may use a route that needs `needed`: it holds that scope, one implying it, or
 * `admin`; any caller may use an `authenticated` route.
 */
export function grants(held: readonly Scope[], needed: Scope | 'authenticated'): boolean {
  if (needed === 'authenticated' || held.includes('admin') || held.includes(needed)) return true;
  return held.some((scope) => IMPLIED[scope]?.includes(needed) === true);
}

/** Every key starts with this, so a leaked key is recognisable (secret scanners) and told apart from the admin token. */
export const KEY_PREFIX = 'nk_';
/** `nk_<keyId>_<secret>`: a 16-character lowercase id (stored in clear, names the key) and a base64url secret. */
const KEY_PATTERN = /^nk_([0-9a-z]{16})_([A-Za-z0-9_-]{32,128})$/;

/** A key's two parts, or undefined when `text` is not shaped like a key. */
export function parseApiKey(text: string): { keyId: string; secret: string } | undefined {
  const match = KEY_PATTERN.exec(text);
  return match ? { keyId: match[1]!, secret: match[2]! } : undefined;
}

export function formatApiKey(keyId: string, secret: string): string {
  const key = `${KEY_PREFIX}${keyId}_${secret}`;
  if (!parseApiKey(key)) throw new Error('not a valid key id and secret');
  return key;
}

export function isKeyId(text: string): boolean {
  return /^[0-9a-z]{16}$/.test(text);
}

/** A stored key as the rules need it (never its secret: only the secret's hash is stored). */
export interface KeyRecord {
  readonly keyId: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  /** Hex SHA-256 of the secret. */
  readonly secretHash: string;
  readonly createdAt: string;
  /** ISO time after which the key is refused; none: it does not expire. */
  readonly expiresOn?: string;
  readonly revokedAt?: string;
  readonly lastUsedAt?: string;
}

/**
 * Who did something: a key (by its id), a person signed in to the console (by their user pool `sub`, and their
 * username, which may be an email: shown to them, never logged), or the bootstrap admin token.
 */
export type Actor =
  | { readonly kind: 'key'; readonly id: string }
  | { readonly kind: 'user'; readonly id: string; readonly name: string }
  | { readonly kind: 'bootstrap' };

/**
 * Who a request was let through as. `keyId` is what records and logs name the caller by: a key's id (as before
 * people could sign in), `bootstrap`, or `user:<sub>` for a person (see {@link recordedAs}).
 */
export interface Caller {
  readonly keyId: string;
  readonly actor: Actor;
  readonly scopes: readonly Scope[];
  /** A person's role (their highest known group); keys have none. */
  readonly role?: Role;
}

/** The id a request made with the bootstrap admin token is recorded under. */
export const BOOTSTRAP_CALLER = 'bootstrap';

/** How records and logs name an actor: a key's id, `user:<sub>`, or `bootstrap`; never a person's username. */
export function recordedAs(actor: Actor): string {
  switch (actor.kind) {
    case 'key':
      return actor.id;
    case 'user':
      return `user:${actor.id}`;
    case 'bootstrap':
      return BOOTSTRAP_CALLER;
  }
}

/** The verified claims of a person's Cognito access token that the rules need. */
export interface PersonToken {
  readonly sub: string;
  readonly username: string;
  readonly groups: readonly string[];
}

export type Refusal =
  | {
      readonly status: 401;
      readonly error: 'missing_key' | 'malformed_key' | 'unknown_key' | 'revoked_key' | 'expired_key' | 'invalid_token';
      readonly message: string;
    }
  | { readonly status: 403; readonly error: 'insufficient_scope' | 'bootstrap_token_keys_only' | 'no_role'; readonly message: string };

export type Verdict = { readonly type: 'Granted'; readonly caller: Caller } | { readonly type: 'Refused'; readonly refusal: Refusal };

/** What the request presented, once its bearer credential has been read and looked up. */
export type Presented =
  | { readonly type: 'Nothing' }
  | { readonly type: 'Malformed' }
  | { readonly type: 'BootstrapToken' }
  /** A well-formed key: its record (undefined when unknown) and whether the secret matched the stored hash. */
  | { readonly type: 'Key'; readonly record: KeyRecord | undefined; readonly secretMatches: boolean }
  /** A person's bearer token (a JWT): its verified claims, or undefined when it is invalid, expired or not ours. */
  | { readonly type: 'Person'; readonly token: PersonToken | undefined };

const refused = (refusal: Refusal): Verdict => ({ type: 'Refused', refusal });

/** Whether `presented` may call a route needing `access` at `now`: the whole access rule, in one place. */
export function decide(presented: Presented, access: RouteAccess, now: Date): Verdict {
  switch (presented.type) {
    case 'Nothing':
      return refused({ status: 401, error: 'missing_key', message: 'An API key is required: Authorization: Bearer nk_…' });
    case 'Malformed':
      return refused({ status: 401, error: 'malformed_key', message: 'The Authorization header does not hold an API key (Bearer nk_…)' });
    case 'BootstrapToken':
      return access.bootstrap
        ? { type: 'Granted', caller: { keyId: BOOTSTRAP_CALLER, actor: { kind: 'bootstrap' }, scopes: ['admin'] } }
        : refused({
            status: 403,
            error: 'bootstrap_token_keys_only',
            message: 'The admin token may only manage API keys (/keys); create a key with the scope this route needs',
          });
    case 'Key': {
      const { record } = presented;
      // An unknown id and a wrong secret answer alike, so a caller cannot tell which key ids exist.
      if (!record || !presented.secretMatches) return refused({ status: 401, error: 'unknown_key', message: 'This API key is not known' });
      if (record.revokedAt) return refused({ status: 401, error: 'revoked_key', message: 'This API key was revoked' });
      if (record.expiresOn && Date.parse(record.expiresOn) <= now.getTime()) {
        return refused({ status: 401, error: 'expired_key', message: 'This API key has expired' });
      }
      if (!grants(record.scopes, access.scope)) {
        return refused({ status: 403, error: 'insufficient_scope', message: `This API key lacks the scope this route needs: ${access.scope}` });
      }
      return { type: 'Granted', caller: { keyId: record.keyId, actor: { kind: 'key', id: record.keyId }, scopes: record.scopes } };
    }
    case 'Person': {
      const { token } = presented;
      if (!token) return refused({ status: 401, error: 'invalid_token', message: 'The sign-in token is invalid or has expired; sign in again' });
      const role = roleOf(token.groups);
      if (!role) return refused({ status: 403, error: 'no_role', message: 'This user has no console role (viewer, marketer or admin)' });
      const scopes = ROLE_SCOPES[role];
      if (!grants(scopes, access.scope)) {
        return refused({ status: 403, error: 'insufficient_scope', message: `The ${role} role lacks the scope this route needs: ${access.scope}` });
      }
      const actor: Actor = { kind: 'user', id: token.sub, name: token.username };
      return { type: 'Granted', caller: { keyId: recordedAs(actor), actor, scopes, role } };
    }
  }
}

/** Last-used times are written at most this often per key, so a busy key costs one write a minute, not one per call. */
export const LAST_USED_INTERVAL_MS = 60_000;

/** True when a granted call should record the key's last use now. */
export function lastUseDue(record: KeyRecord, now: Date): boolean {
  return !record.lastUsedAt || now.getTime() - Date.parse(record.lastUsedAt) >= LAST_USED_INTERVAL_MS;
}

/** `90d`, `12h`, `2w` → the ISO time that long after `now`; undefined when `text` is not such a span. */
export function expiryAfter(text: string, now: Date): string | undefined {
  const match = /^(\d{1,5})([hdw])$/.exec(text.trim());
  if (!match) return undefined;
  const hours = Number(match[1]) * { h: 1, d: 24, w: 168 }[match[2] as 'h' | 'd' | 'w'];
  if (hours <= 0) return undefined;
  return new Date(now.getTime() + hours * 3_600_000).toISOString();
}
