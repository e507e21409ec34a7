import { describe, expect, it } from 'vitest';
import {
  decide,
  expiryAfter,
  formatApiKey,
  grants,
  lastUseDue,
  parseApiKey,
  SCOPES,
  type KeyRecord,
  type Presented,
} from '../../functions/access/domain/access';

const now = new Date('2026-12-06T09:00:00.000Z');

function key(overrides: Partial<KeyRecord> = {}): Presented {
  const record: KeyRecord = {
    keyId: 'abcdefghij012345',
    name: 'webhook tool',
    scopes: ['contacts:read'],
    secretHash: '0'.repeat(64),
    createdAt: '2026-12-01T00:00:00.000Z',
    ...overrides,
  };
  return { type: 'Key', record, secretMatches: true };
}

describe('scopes', () => {
  it('grants a route to a key holding its scope, or admin, and to no other', () => {
    expect(grants(['contacts:read'], 'contacts:read')).toBe(true);
    expect(grants(['admin'], 'contacts:erase')).toBe(true);
    expect(grants(['contacts:read', 'reports:read'], 'contacts:write')).toBe(false);
    expect(grants([], 'reports:read')).toBe(false);
  });

  it('lists the issue\'s nine scopes and journeys:read (the console), admin among them', () => {
    expect([...SCOPES].sort()).toEqual(
      ['admin', 'broadcasts:send', 'contacts:erase', 'contacts:read', 'contacts:write', 'events:write', 'forms:admin', 'journeys:enroll', 'journeys:read', 'reports:read'],
    );
  });
});

describe('key format', () => {
  it('reads back the id and secret of a formatted key', () => {
    const secret = 'A'.repeat(43);
    expect(parseApiKey(formatApiKey('abcdefghij012345', secret))).toEqual({ keyId: 'abcdefghij012345', secret });
  });

  it.each([
    ['no prefix', `abcdefghij012345_${'A'.repeat(43)}`],
    ['a short id', `nk_abc_${'A'.repeat(43)}`],
    ['an upper-case id', `nk_ABCDEFGHIJ012345_${'A'.repeat(43)}`],
    ['a short secret', 'nk_abcdefghij012345_short'],
    ['a secret with other characters', `nk_abcdefghij012345_${'A'.repeat(42)}=`],
  ])('refuses %s', (_case, text) => {
    expect(parseApiKey(text)).toBeUndefined();
  });
});

describe('decide', () => {
  const route = { scope: 'contacts:read' } as const;

  it('refuses no credential with 401 missing_key', () => {
    expect(decide({ type: 'Nothing' }, route, now)).toMatchObject({ type: 'Refused', refusal: { status: 401, error: 'missing_key' } });
  });

  it('refuses a credential that is not a key with 401 malformed_key', () => {
    expect(decide({ type: 'Malformed' }, route, now)).toMatchObject({ type: 'Refused', refusal: { status: 401, error: 'malformed_key' } });
  });

  it('answers an unknown id and a wrong secret alike, so key ids cannot be probed', () => {
    const unknown = decide({ type: 'Key', record: undefined, secretMatches: false }, route, now);
    const wrongSecret = decide({ ...key(), secretMatches: false } as Presented, route, now);

    expect(unknown).toEqual(wrongSecret);
    expect(unknown).toMatchObject({ type: 'Refused', refusal: { status: 401, error: 'unknown_key' } });
  });

  it('refuses a revoked key with 401 revoked_key, whatever its scopes', () => {
    expect(decide(key({ scopes: ['admin'], revokedAt: '2026-12-05T00:00:00.000Z' }), route, now)).toMatchObject({
      type: 'Refused',
      refusal: { status: 401, error: 'revoked_key' },
    });
  });

  it('refuses a key from the moment it expires with 401 expired_key', () => {
    expect(decide(key({ expiresOn: now.toISOString() }), route, now)).toMatchObject({ refusal: { status: 401, error: 'expired_key' } });
    expect(decide(key({ expiresOn: '2026-12-06T09:00:00.001Z' }), route, now)).toMatchObject({ type: 'Granted' });
  });

  it('refuses a valid key without the route\'s scope with 403 naming the scope', () => {
    expect(decide(key({ scopes: ['reports:read'] }), route, now)).toMatchObject({
      type: 'Refused',
      refusal: { status: 403, error: 'insufficient_scope', message: expect.stringContaining('contacts:read') },
    });
  });

  it('grants a key with the scope, naming the key and its scopes', () => {
    expect(decide(key(), route, now)).toEqual({ type: 'Granted', caller: { keyId: 'abcdefghij012345', actor: { kind: 'key', id: 'abcdefghij012345' }, scopes: ['contacts:read'] } });
  });

  it('lets the bootstrap admin token manage keys and nothing else', () => {
    expect(decide({ type: 'BootstrapToken' }, { scope: 'admin', bootstrap: true }, now)).toEqual({
      type: 'Granted',
      caller: { keyId: 'bootstrap', actor: { kind: 'bootstrap' }, scopes: ['admin'] },
    });
    expect(decide({ type: 'BootstrapToken' }, { scope: 'admin' }, now)).toMatchObject({ refusal: { status: 403, error: 'bootstrap_token_keys_only' } });
    expect(decide({ type: 'BootstrapToken' }, route, now)).toMatchObject({ refusal: { status: 403, error: 'bootstrap_token_keys_only' } });
  });
});

describe('last use', () => {
  it('is recorded on first use, then at most once a minute', () => {
    const record = (lastUsedAt?: string) => ({ ...(key() as { record: KeyRecord }).record, ...(lastUsedAt ? { lastUsedAt } : {}) });

    expect(lastUseDue(record(), now)).toBe(true);
    expect(lastUseDue(record('2026-12-06T08:59:30.000Z'), now)).toBe(false);
    expect(lastUseDue(record('2026-12-06T08:59:00.000Z'), now)).toBe(true);
  });
});

describe('expiry', () => {
  it('reads 90d, 12h and 2w as a time after now, and refuses anything else', () => {
    expect(expiryAfter('90d', now)).toBe('2027-03-06T09:00:00.000Z');
    expect(expiryAfter('12h', now)).toBe('2026-12-06T21:00:00.000Z');
    expect(expiryAfter('2w', now)).toBe('2026-12-20T09:00:00.000Z');
    for (const bad of ['0d', '90', 'd', '-1d', '1y', '1.5d']) expect(expiryAfter(bad, now)).toBeUndefined();
  });
});
