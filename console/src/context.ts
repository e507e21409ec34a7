import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api';

export type Role = 'viewer' | 'marketer' | 'admin';

/** Who is signed in, as `GET /me` answers. */
export interface Me {
  readonly actor: { readonly kind: string; readonly id: string; readonly name?: string };
  readonly role?: Role;
  readonly scopes: readonly string[];
}

export interface ConsoleContextValue {
  readonly api: Api;
  readonly me: Me;
  /** True when the signed-in person may use a route needing `scope` (the `admin` scope grants every one). */
  readonly can: (scope: string) => boolean;
}

export const ConsoleContext = createContext<ConsoleContextValue | undefined>(undefined);

/** The API client and the signed-in person, for any view. */
export function useConsole(): ConsoleContextValue {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('useConsole() outside the signed-in console');
  return value;
}

export function canWith(scopes: readonly string[]) {
  return (scope: string) =>
    scopes.includes('admin') || scopes.includes(scope) || (scope === 'journeys:read' && scopes.includes('journeys:enroll'));
}
