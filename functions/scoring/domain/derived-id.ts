import { fnv1a } from '../../shared/hash';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A deterministic event id for an event derived from another (a `stage.changed` caused by a `form.submitted`):
 * the cause's ULID time part, so it sorts next to its cause, then 16 characters hashed from the cause's id and the
 * purpose. A redelivered cause derives the same id, so the second append is recognised instead of duplicated. It
 * is a valid ULID, so timeline cursors accept it.
 */
export function derivedEventId(causeEventId: string, purpose: string): string {
  const time = /^[0-9A-HJKMNP-TV-Z]{10}/.test(causeEventId) ? causeEventId.slice(0, 10) : '0000000000';
  let random = '';
  for (let salt = 0; random.length < 16; salt++) {
    let hash = fnv1a(`${salt}:${purpose}:${causeEventId}`);
    for (let i = 0; i < 6 && random.length < 16; i++) {
      random += ALPHABET[hash % 32];
      hash = Math.floor(hash / 32);
    }
  }
  return time + random;
}

/**
 * A deterministic id for an event reported by an outside system with its own id (a CRM webhook's event id): the
 * time part from when it happened, the rest hashed from the outside id, so a redelivered report is recognised.
 */
export function externalEventId(occurredAtMs: number, externalId: string): string {
  let time = '';
  let t = Math.max(0, Math.floor(occurredAtMs));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time + derivedEventId(`0000000000${externalId}`, 'external').slice(10);
}
