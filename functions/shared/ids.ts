import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID: 48 bits of milliseconds then 80 random bits, Crockford base32. Ids sort by creation time, which is
 * what puts a contact's timeline in order without a second index.
 */
export function ulid(now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(16);
  let random = '';
  for (let i = 0; i < 16; i++) random += ALPHABET[bytes[i]! % 32];
  return time + random;
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
  const time = ulid(at.getTime()).slice(0, 10);
  const digest = createHash('sha256').update(key).digest();
  let rest = '';
  for (let i = 0; i < 16; i++) rest += ALPHABET[digest[i]! % 32];
  return time + rest;
}
