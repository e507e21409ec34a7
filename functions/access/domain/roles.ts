/**
 * People's roles in the console and the scopes each one holds: the one table the authorizer reads for a signed-in
 * person. A role is a Cognito group of the console's user pool. Pure data and rules.
 */

import type { Scope } from '../../../lib/shared/access-scopes';

/** Stored as Cognito group names forever: add new roles, never rename one. Ordered from least to most. */
export const ROLES = ['viewer', 'marketer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const VIEWER: readonly Scope[] = ['contacts:read', 'reports:read', 'journeys:read'];

/** What each role may do: a viewer reads, a marketer also changes contacts, enrols and sends, an admin does all. */
export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  viewer: VIEWER,
  marketer: [...VIEWER, 'contacts:write', 'journeys:enroll', 'broadcasts:send'],
  admin: ['admin'],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The role a person holds from their groups: the highest known one, undefined when none is known. */
export function roleOf(groups: readonly string[]): Role | undefined {
  return [...ROLES].reverse().find((role) => groups.includes(role));
}
