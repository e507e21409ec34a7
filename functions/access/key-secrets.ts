import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { formatApiKey } from './domain/access';

/** Hex SHA-256 of a key's secret: what is stored instead of the secret. A 256-bit random secret needs no salt or stretching. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Whether `secret` hashes to `storedHash`, compared in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = createHash('sha256').update(secret).digest();
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

/** Compares two secrets through their digests, so neither their length nor their content leaks through timing. */
export function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** A fresh key: a random 16-character id (80 bits, base32 lowercase) and a 256-bit secret. */
export function newApiKey(): { keyId: string; secret: string; key: string; secretHash: string } {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  const keyId = [...randomBytes(16)].map((byte) => alphabet[byte % 32]).join('');
  const secret = randomBytes(32).toString('base64url');
  return { keyId, secret, key: formatApiKey(keyId, secret), secretHash: hashSecret(secret) };
}
