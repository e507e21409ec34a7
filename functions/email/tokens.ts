import { createHash } from 'node:crypto';
import { signedByAnyKey, truncatedMac } from '../shared/hmac';

/**
 * Signed, compact tokens for the links in emails: `<kind>.<field>.<field>….<signature>`, the signature an
 * HMAC-SHA256 (first 128 bits, base64url) of everything before it. Fields are URL-safe ids only, so a token is
 * a single path segment. Signing always uses the current key; verification accepts every configured key, so a
 * rotated key keeps old emails' links working during the grace period (until it is removed from the list).
 */
export type TokenKind =
  /** A tracked link: contact, send, link index. */
  | 'c'
  /** The open pixel: contact, send. */
  | 'o'
  /** Unsubscribe / preferences: contact, topic of the email (or `-`), send (or `-`). */
  | 'u'
  /** Double opt-in confirmation: contact, topic, form, issued-at (epoch seconds, base 36). */
  | 'k';

const FIELD = /^[A-Za-z0-9_-]{1,100}$/;
/** 128 bits of the HMAC: enough against forgery, short enough for a link. */
const MAC_BYTES = 16;

export class TokenSigner {
  private readonly keys: readonly Buffer[];

  /** `keys`: the current key first, then any previous ones still accepted. */
  constructor(keys: readonly string[]) {
    if (keys.length === 0 || keys.some((key) => key.length < 16)) {
      throw new Error('email signing keys: at least one key, each at least 16 characters');
    }
    this.keys = keys.map((key) => Buffer.from(key, 'utf8'));
  }

  sign(kind: TokenKind, fields: readonly string[]): string {
    for (const field of fields) if (!FIELD.test(field)) throw new Error(`token field "${field}" is not URL-safe`);
    const body = [kind, ...fields].join('.');
    return `${body}.${truncatedMac(this.keys[0]!, body, MAC_BYTES).toString('base64url')}`;
  }

  /** The token's fields when it is of `kind`, well formed and signed by any accepted key; otherwise undefined. */
  verify(kind: TokenKind, token: string, fieldCount: number): string[] | undefined {
    const parts = token.split('.');
    if (parts.length !== fieldCount + 2 || parts[0] !== kind) return undefined;
    const fields = parts.slice(1, -1);
    if (!fields.every((field) => FIELD.test(field))) return undefined;
    const presented = Buffer.from(parts.at(-1)!, 'base64url');
    const body = parts.slice(0, -1).join('.');
    return signedByAnyKey(this.keys, body, presented, MAC_BYTES) ? fields : undefined;
  }
}

/** Parses `current,previous,…` (env var or secret value). */
export function parseSigningKeys(value: string): string[] {
  return value
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
}

/** A short, URL-safe, deterministic id for a send: the idempotency key's digest. */
export function sendIdOf(scope: string, ...parts: readonly string[]): string {
  return createHash('sha256').update([scope, ...parts].join('\u0000')).digest('base64url').slice(0, 22);
}
