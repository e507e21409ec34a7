/**
 * Every scope an API key may hold, and what a private route declares it needs: the registry's routes
 * (`lib/functions.ts`) and the access rules (`functions/access/domain/access.ts`) both read this one list. Pure data,
 * so the authorizer's bundle can import it without aws-cdk-lib.
 */

/** Stored on keys forever: add new scopes, never rename one. `admin` implies all others. */
export const SCOPES = [
  'forms:admin',
  'events:write',
  'journeys:enroll',
  'contacts:read',
  'contacts:write',
  'contacts:erase',
  'broadcasts:send',
  'reports:read',
  'admin',
  /** Read journeys and their definitions (`journeys:enroll` implies it). */
  'journeys:read',
] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * What a private route needs: a scope, or `authenticated` (any valid key or signed-in person, no particular scope:
 * `GET /me`), and whether the bootstrap admin token may call it too (the keys routes).
 */
export interface RouteAccess {
  readonly scope: Scope | 'authenticated';
  readonly bootstrap?: true;
}
