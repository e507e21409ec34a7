import { deterministicId, ulid } from '../shared/ids';

/**
 * A ULID-shaped event id. With a `messageId` it is deterministic: the time (the client's own timestamp, which a
 * retry repeats, or for a message without one the time it was first received, remembered per sender and message
 * id) then 80 bits of SHA-256 of the message id, so a redelivered message lands on the same item and the
 * timeline still sorts by time. Without one it is a fresh ULID.
 */
export function eventIdFor(messageId: string | undefined, clientTime: number): string {
  // A ULID's time is 48 bits; a client's clock may say anything.
  const time = Math.max(0, Math.min(clientTime, 2 ** 48 - 1));
  if (!messageId) return ulid(time);
  return deterministicId(new Date(time), messageId);
}
