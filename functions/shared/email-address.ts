/**
 * Email quality at the door: normalisation, a practical syntax check, disposable and free-mail domains, role
 * addresses and typo suggestions. Pure: the disposable-domain list is passed in (it is large, and loaded once).
 */

export interface EmailPolicy {
  /** True for domains of throw-away mailbox services (a maintained npm list, see disposable-domains.ts). */
  readonly isDisposable: (domain: string) => boolean;
  /** Refuse free-mail providers (B2B forms). */
  readonly rejectFreeMail: boolean;
  /** The visitor confirmed the address as typed: no typo suggestion. */
  readonly confirmed: boolean;
}

export type EmailCheck =
  | {
      readonly type: 'Ok';
      /** The uniqueness key and stored form: NFKC, lower-case, ASCII local part, IDN domain in punycode. */
      readonly key: string;
      /** A role mailbox (info@, sales@): accepted, flagged on the profile. */
      readonly role: boolean;
      readonly freeMail: boolean;
    }
  | { readonly type: 'Rejected'; readonly message: string; readonly suggestion?: string };

const MAX_LOCAL_OCTETS = 64;
const MAX_ADDRESS_LENGTH = 254;
const utf8 = new TextEncoder();

/** Checks one typed address against the policy. */
export function checkEmail(typed: string, policy: EmailPolicy): EmailCheck {
  const parsed = parseAddress(typed);
  if (typeof parsed === 'string') return { type: 'Rejected', message: parsed };
  const { local, domain } = parsed;
  // SES sends only to 7-bit local parts (it has no SMTPUTF8): a contact we could never email is refused at the door.
  if (!/^[\x21-\x7e]+$/.test(local)) return { type: 'Rejected', message: 'must have only unaccented letters, digits and . _ % + - before the @' };
  if (policy.isDisposable(domain) || parentDomains(domain).some(policy.isDisposable)) {
    return { type: 'Rejected', message: 'must be a permanent address, not a disposable mailbox' };
  }
  const freeMail = FREE_MAIL_DOMAINS.has(domain);
  if (!policy.confirmed) {
    const fix = suggestDomain(domain);
    if (fix) {
      return { type: 'Rejected', message: `did you mean ${local}@${fix}?`, suggestion: `${local}@${fix}` };
    }
  }
  if (policy.rejectFreeMail && freeMail) return { type: 'Rejected', message: 'must be a work address' };
  return { type: 'Ok', key: `${local.toLowerCase()}@${domain}`, role: ROLE_LOCAL_PARTS.has(local.toLowerCase()), freeMail };
}

/** The uniqueness key of an address that may not be valid: what lookups by email use. */
export function emailKey(typed: string): string {
  const parsed = parseAddress(typed);
  return typeof parsed === 'string' ? typed.trim().normalize('NFKC').toLowerCase() : `${parsed.local.toLowerCase()}@${parsed.domain}`;
}

/** Splits and checks an address; a string is the reason it is not one. */
function parseAddress(typed: string): { local: string; domain: string } | string {
  // NFKC: a full-width `ａｄａ@…` is the same mailbox as `ada@…`, so one contact, not two.
  const text = typed.trim().normalize('NFKC');
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return 'must be a valid email address';
  const local = text.slice(0, at);
  if (utf8.encode(local).length > MAX_LOCAL_OCTETS) return 'must have at most 64 characters before the @';
  // Dot-atom: RFC 5322 atext (plus any letter or digit, for internationalised addresses), dots between atoms.
  if (!/^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u.test(local)) {
    return 'must be a valid email address';
  }
  const domain = asciiDomain(text.slice(at + 1));
  if (!domain) return 'must be a valid email address';
  if (local.length + 1 + domain.length > MAX_ADDRESS_LENGTH) return 'must be at most 254 characters';
  return { local, domain };
}

/** The domain lower-cased, IDN labels in punycode (via WHATWG URL), or undefined when it is not a host name. */
function asciiDomain(domain: string): string | undefined {
  if (!/^[^\s/?#@:\\[\]%]+$/u.test(domain)) return undefined;
  let host: string;
  try {
    host = new URL(`http://${domain}/`).hostname;
  } catch {
    return undefined;
  }
  const labels = host.split('.');
  if (labels.length < 2) return undefined;
  if (!labels.every((label) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(label))) return undefined;
  const tld = labels.at(-1)!;
  return /^[a-z]{2,63}$/.test(tld) || /^xn--[a-z0-9-]+$/.test(tld) ? host : undefined;
}

function parentDomains(domain: string): string[] {
  const labels = domain.split('.');
  return labels.slice(1, -1).map((_, i) => labels.slice(i + 1).join('.'));
}

/** The popular domain a mistyped one most likely meant, or undefined. */
export function suggestDomain(domain: string): string | undefined {
  if (POPULAR_DOMAINS.has(domain)) return undefined;
  const limit = domain.length >= 12 ? 2 : 1;
  let best: { domain: string; distance: number } | undefined;
  for (const candidate of POPULAR_DOMAINS) {
    if (Math.abs(candidate.length - domain.length) > limit) continue;
    const distance = editDistance(domain, candidate);
    if (distance <= limit && (!best || distance < best.distance)) best = { domain: candidate, distance };
  }
  return best?.domain;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[i - 2]![j - 2]! + 1);
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}

/** Free-mail providers: personal addresses. */
export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.fr', 'yahoo.de', 'ymail.com', 'hotmail.com',
  'hotmail.co.uk', 'hotmail.fr', 'hotmail.de', 'outlook.com', 'live.com', 'msn.com', 'aol.com', 'icloud.com',
  'me.com', 'mac.com', 'gmx.com', 'gmx.de', 'gmx.net', 'web.de', 'mail.com', 'proton.me', 'protonmail.com',
  'zoho.com', 'yandex.com', 'yandex.ru', 'mail.ru', 'orange.fr', 'free.fr', 'laposte.net', 'libero.it',
  'qq.com', '163.com', '126.com', 'comcast.net', 'att.net', 'verizon.net', 'btinternet.com', 'fastmail.com',
]);

/** Domains typos are matched against: the free-mail providers plus large business mail hosts. */
const POPULAR_DOMAINS: ReadonlySet<string> = new Set([...FREE_MAIL_DOMAINS, 'example.com']);

/** Shared mailboxes rather than people; flagged on the profile, never rejected. */
export const ROLE_LOCAL_PARTS: ReadonlySet<string> = new Set([
  'info', 'sales', 'admin', 'administrator', 'support', 'contact', 'hello', 'office', 'marketing', 'team', 'help',
  'billing', 'accounts', 'accounting', 'finance', 'hr', 'jobs', 'careers', 'press', 'media', 'noreply', 'no-reply',
  'webmaster', 'postmaster', 'hostmaster', 'abuse', 'security', 'enquiries', 'inquiries', 'service', 'orders',
]);
