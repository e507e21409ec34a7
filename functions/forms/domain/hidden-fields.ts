/**
 * Hidden fields a landing page (or the embed snippet) fills besides the UTMs, and the names the endpoint reads
 * for itself. None of them can be declared as a form field.
 */

/** Ad-click ids: Google, Meta, Microsoft. */
export const CLICK_ID_KEYS = ['gclid', 'fbclid', 'msclkid'] as const;
export type ClickIdKey = (typeof CLICK_ID_KEYS)[number];
export type ClickIds = Partial<Record<ClickIdKey, string>>;

/** The first page of the visit and the page before it (`document.referrer`), filled by the snippet. */
export const LANDING_PAGE_KEY = 'landing_page';
export const REFERRER_KEY = 'referrer';
/** `true` when the visitor confirmed an address the typo check questioned. */
export const EMAIL_CONFIRMED_KEY = 'email_confirmed';
/** The Segment-style anonymous id of the visitor, linking their tracked activity to the contact. */
export const ANONYMOUS_ID_KEY = 'anonymous_id';
/** The signed render token the snippet or a server-rendered page includes. */
export const RENDER_TOKEN_KEY = '_nurture_token';
/** The snippet's id for one submission attempt: a double-click or a retry posts the same id. */
export const SUBMISSION_ID_KEY = '_submission_id';
/** The widgets' own field names. */
export const CAPTCHA_RESPONSE_KEYS = { turnstile: 'cf-turnstile-response', recaptcha: 'g-recaptcha-response' } as const;

/** Names a form may not declare as fields (besides utm_*, and names starting with "_" that no field can have). */
export const RESERVED_FIELD_NAMES: ReadonlySet<string> = new Set([
  ...CLICK_ID_KEYS,
  LANDING_PAGE_KEY,
  REFERRER_KEY,
  EMAIL_CONFIRMED_KEY,
  ANONYMOUS_ID_KEY,
]);

/** Every posted name the endpoint reads itself: not a declared field, yet not "unknown". */
export const SYSTEM_KEYS: ReadonlySet<string> = new Set([
  ...RESERVED_FIELD_NAMES,
  RENDER_TOKEN_KEY,
  SUBMISSION_ID_KEY,
  ...Object.values(CAPTCHA_RESPONSE_KEYS),
]);
