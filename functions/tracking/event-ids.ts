import { createHash } from 'node:crypto';
import { ulid } from '../shared/ids';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID-shaped event id. With a `messageId` it is deterministic: the time (the client's own timestamp, which a
 * retry repeats, or for a message without one the time it was first received, remembered per sender and message
 * id) then 80 bits of SHA-256 of the message id, so a redelivered message lands on the same item and the
 * timeline still sorts by time. Without one it is a fresh ULID.
 */
export function eventIdFor(messageId: string | undefined, clientTime: number): string {
  if (!messageId) return ulid(clientTime);
  const time = ulid(Math.max(0, Math.min(clientTime, 2 ** 48 - 1))).slice(0, 10);
  const digest = createHash('sha256').update(messageId).digest();
  let random = '';
  for (let i = 0; i < 16; i++) random += ALPHABET[digest[i]! % 32];
  return time + random;
}
