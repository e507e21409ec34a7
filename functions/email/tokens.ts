import { createHash } from 'node:crypto';
import { signedByAnyKey, truncatedMac } from '../shared/hmac';

/**
 * Signed, compact tokens for the links in emails: `<kind>.<field>.<field>….<key id>~<signature>`, the signature an
 * HMAC-SHA256 (first 128 bits, base64url) of everything before the last dot, under the key the key id names.
 * Fields are URL-safe ids only, so a token is a single path segment. Signing always uses the current key;
 * verification uses the key the token names, among every configured one, so a rotated key keeps old emails' links
 * working during the grace period (until it is removed from the list). Tokens signed before key ids existed
 * (`….<signature>`) are verified against every configured key, as they always were.
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
/** The signature part: an optional key id, then the MAC in canonical base64url (22 characters, no padding). */
const SIGNATURE = /^(?:([A-Za-z0-9_-]{6})~)?([A-Za-z0-9_-]{22})$/;

/** A key's id: derived from the key itself, so rotating needs no setting beyond the key list. */
export function keyIdOf(key: string | Buffer): string {
  return createHash('sha256').update('nurture-email-link-key:').update(key).digest('base64url').slice(0, 6);
}

export class TokenSigner {
  private readonly keys: readonly Buffer[];
  private readonly byId: ReadonlyMap<string, Buffer>;

  /** `keys`: the current key first, then any previous ones still accepted. */
  constructor(keys: readonly string[]) {
    if (keys.length === 0 || keys.some((key) => key.length < 16)) {
      throw new Error('email signing keys: at least one key, each at least 16 characters');
    }
    this.keys = keys.map((key) => Buffer.from(key, 'utf8'));
    this.byId = new Map(this.keys.map((key) => [keyIdOf(key), key]));
    if (this.byId.size !== new Set(keys).size) throw new Error('email signing keys: two keys share a key id; generate another key');
  }

  sign(kind: TokenKind, fields: readonly string[]): string {
    for (const field of fields) if (!FIELD.test(field)) throw new Error(`token field "${field}" is not URL-safe`);
    const body = [kind, ...fields].join('.');
    const key = this.keys[0]!;
    return `${body}.${keyIdOf(key)}~${truncatedMac(key, body, MAC_BYTES).toString('base64url')}`;
  }

  /**
   * The token's fields when it is of `kind`, well formed and signed by the key it names (any accepted key for a
   * token without a key id); otherwise undefined. The signature is decoded strictly: a character whose unused low
   * bits differ, or padding, is another token, not the same one.
   */
  verify(kind: TokenKind, token: string, fieldCount: number): string[] | undefined {
    const parts = token.split('.');
    if (parts.length !== fieldCount + 2 || parts[0] !== kind) return undefined;
    const fields = parts.slice(1, -1);
    if (!fields.every((field) => FIELD.test(field))) return undefined;
    const signature = SIGNATURE.exec(parts.at(-1)!);
    if (!signature) return undefined;
    const [, keyId, mac] = signature as unknown as [string, string | undefined, string];
    const presented = Buffer.from(mac, 'base64url');
    if (presented.toString('base64url') !== mac) return undefined;
    const keys = keyId === undefined ? this.keys : [this.byId.get(keyId)].filter((key): key is Buffer => key !== undefined);
    const body = parts.slice(0, -1).join('.');
    return signedByAnyKey(keys, body, presented, MAC_BYTES) ? fields : undefined;
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
