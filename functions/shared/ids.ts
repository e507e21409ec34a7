import { createHash } from 'node:crypto';
import { encodeTime, monotonicFactory, ulid as freshUlid } from 'ulidx';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const monotonic = monotonicFactory();
let latest = 0;

/**
 * A ULID: 48 bits of milliseconds then 80 random bits, Crockford base32. Ids sort by creation time, which is
 * what puts a contact's timeline in order without a second index; ids made in the same millisecond by this process
 * still sort in the order they were made (ulidx's monotonic factory). An id for an earlier moment (an imported
 * event) keeps its own time rather than borrowing the latest one, which is what the factory alone would do.
 */
export function ulid(now: number = Date.now()): string {
  if (now < latest) return freshUlid(now);
  latest = now;
  return monotonic(now);
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * A ULID-shaped id that is the same every time for the same `at` and `key`: the time part sorts it on the
 * timeline like any event of that moment, the rest is a hash of the key. For events a retry may append again
 * (a sweep, an API call with an Idempotency-Key), so the second append is recognised.
 */
export function deterministicId(at: Date, key: string): string {
  const time = encodeTime(at.getTime(), 10);
  const digest = createHash('sha256').update(key).digest();
  let rest = '';
  for (let i = 0; i < 16; i++) rest += ALPHABET[digest[i]! % 32];
  return time + rest;
}
