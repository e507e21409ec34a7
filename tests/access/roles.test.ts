import { describe, expect, it } from 'vitest';
import { decide, grants, type PersonToken } from '../../functions/access/domain/access';
import { ROLE_SCOPES, roleOf } from '../../functions/access/domain/roles';

const now = new Date('2026-12-06T12:00:00Z');
const person = (groups: string[]): { type: 'Person'; token: PersonToken } => ({ type: 'Person', token: { sub: 'sub-1', username: 'ada@example.com', groups } });

describe('console roles', () => {
  it('lets a viewer read contacts, reports and journeys, and nothing else', () => {
    expect(ROLE_SCOPES.viewer).toEqual(['contacts:read', 'reports:read', 'journeys:read']);
    expect(grants(ROLE_SCOPES.viewer, 'contacts:write')).toBe(false);
    expect(grants(ROLE_SCOPES.viewer, 'contacts:erase')).toBe(false);
    expect(grants(ROLE_SCOPES.viewer, 'broadcasts:send')).toBe(false);
  });

  it("gives a marketer the viewer's scopes plus changing contacts, enrolling and sending, but not erasing or admin", () => {
    expect(ROLE_SCOPES.marketer).toEqual([...ROLE_SCOPES.viewer, 'contacts:write', 'journeys:enroll', 'broadcasts:send']);
    expect(grants(ROLE_SCOPES.marketer, 'contacts:erase')).toBe(false);
    expect(grants(ROLE_SCOPES.marketer, 'admin')).toBe(false);
  });

  it('gives an admin every scope', () => {
    expect(ROLE_SCOPES.admin).toEqual(['admin']);
    expect(grants(ROLE_SCOPES.admin, 'contacts:erase')).toBe(true);
  });

  it('takes the highest known group of a person in several, and none from unknown groups', () => {
    expect(roleOf(['viewer', 'admin'])).toBe('admin');
    expect(roleOf(['marketer', 'viewer'])).toBe('marketer');
    expect(roleOf(['sales', 'everyone'])).toBeUndefined();
  });
});

describe('scopes implied by others', () => {
  it('lets a key holding journeys:enroll read journeys', () => {
    expect(grants(['journeys:enroll'], 'journeys:read')).toBe(true);
    expect(grants(['journeys:read'], 'journeys:enroll')).toBe(false);
  });

  it('lets any caller use an authenticated route', () => {
    expect(grants([], 'authenticated')).toBe(true);
  });
});

describe("the decision for a person's token", () => {
  it('grants a marketer a write route, naming them as user:<sub> in records', () => {
    const verdict = decide(person(['marketer']), { scope: 'contacts:write' }, now);

    expect(verdict).toEqual({
      type: 'Granted',
      caller: { keyId: 'user:sub-1', actor: { kind: 'user', id: 'sub-1', name: 'ada@example.com' }, scopes: ROLE_SCOPES.marketer, role: 'marketer' },
    });
  });

  it('refuses a viewer on an erase with 403 insufficient_scope', () => {
    expect(decide(person(['viewer']), { scope: 'contacts:erase' }, now)).toMatchObject({ type: 'Refused', refusal: { status: 403, error: 'insufficient_scope' } });
  });

  it('refuses a person in no known group with 403 no_role', () => {
    expect(decide(person(['sales']), { scope: 'contacts:read' }, now)).toMatchObject({ type: 'Refused', refusal: { status: 403, error: 'no_role' } });
  });

  it('refuses an invalid or expired token with 401 invalid_token', () => {
    expect(decide({ type: 'Person', token: undefined }, { scope: 'contacts:read' }, now)).toMatchObject({ type: 'Refused', refusal: { status: 401, error: 'invalid_token' } });
  });
});
