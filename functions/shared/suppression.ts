import { normalizeEmail } from './contact';
import { hmacSha256, type MacKey } from './hmac';

/**
 * The suppression list of erased people (GDPR art. 17): only a keyed hash of each normalised email is kept, so the
 * table cannot give the address back, yet a form post, an import or an old list naming it is recognised and
 * cannot bring the person back without fresh consent. Keyed (HMAC, the `suppressionKey` secret) rather than a bare
 * hash, which anyone could reverse by hashing a list of addresses.
 *
 * | item                 | PK                        | SK         |
 * | -------------------- | ------------------------- | ---------- |
 * | suppressed address   | SUPPRESSED#<hex HMAC>     | SUPPRESSED |
 */
export function suppressionHash(key: MacKey, email: string): string {
  return hmacSha256(key, normalizeEmail(email)).toString('hex');
}

export const suppressionKey = (hash: string) => ({ PK: `SUPPRESSED#${hash}`, SK: 'SUPPRESSED' });
