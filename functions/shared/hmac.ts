import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The one place HMAC-SHA256 is computed and compared. Every signature we emit or accept (email link tokens, form
 * tokens, journey and CRM webhook signatures, HubSpot's) is built from these, and its bytes never change: links in
 * sent emails and signatures configured at CRMs must keep verifying.
 */
export type MacKey = string | Buffer;

/** HMAC-SHA256 of `message` (UTF-8) under `key`. */
export function hmacSha256(key: MacKey, message: string): Buffer {
  return createHmac('sha256', key).update(message, 'utf8').digest();
}

/** Whether two values are the same bytes, in time that does not depend on where they differ. */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const x = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const y = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Our webhook scheme, in and out (journey webhooks, CRM webhooks, the journeys API): lowercase hex HMAC-SHA256 of
 * `"<timestamp>.<body>"`, the timestamp in epoch seconds as sent.
 */
export function timestampedSignature(secret: MacKey, timestamp: string | number, body: string): string {
  return hmacSha256(secret, `${timestamp}.${body}`).toString('hex');
}

/** The first `bytes` bytes of HMAC-SHA256, base64url: the compact signature our link and form tokens end with. */
export function truncatedMac(key: MacKey, message: string, bytes: number): Buffer {
  return hmacSha256(key, message).subarray(0, bytes);
}

/**
 * Whether `presented` is the truncated MAC of `message` under any of `keys` (the current key first, then those
 * still accepted after a rotation), each compared in constant time.
 */
export function signedByAnyKey(keys: readonly MacKey[], message: string, presented: Buffer, bytes: number): boolean {
  if (presented.length !== bytes) return false;
  return keys.some((key) => timingSafeEqual(truncatedMac(key, message, bytes), presented));
}
