/**
 * The security headers of every HTML page Nurture serves (handler pages through `html()`, the local runtime's
 * pages through the same function): a Content-Security-Policy that runs no inline script, `nosniff`, a
 * Referrer-Policy, and framing refused unless a page says who may frame it.
 */
export interface PagePolicy {
  /** Origins whose pages may run scripts here, beyond none (`'self'` for the dashboard's own files). @default none */
  readonly scriptSrc?: readonly string[];
  /** Where the page's scripts may connect (fetch). @default none */
  readonly connectSrc?: readonly string[];
  /** Where the page's stylesheets may come from, beyond inline styles. @default ["'unsafe-inline'"] */
  readonly styleSrc?: readonly string[];
  /** Where the page's images may come from. @default ["'self'", 'data:'] */
  readonly imgSrc?: readonly string[];
  /** Where the page's forms may post. @default ["'self'"] */
  readonly formAction?: readonly string[];
  /** Who may show the page in a frame (CSP `frame-ancestors`). @default none */
  readonly frameAncestors?: readonly string[];
  /**
   * @default 'strict-origin-when-cross-origin': never a path to another site, and still an `Origin` on the page's
   * own form posts (under `no-referrer` browsers send `Origin: null`, which the forms' origin check refuses). Pages
   * reached by a token in their path (email links) send `no-referrer` themselves.
   */
  readonly referrerPolicy?: string;
}

const list = (sources: readonly string[] | undefined, fallback: string) => (sources?.length ? sources.join(' ') : fallback);

/** The CSP header value for a page under `policy`. Styles may be inline (no script runs from a style attribute). */
export function contentSecurityPolicy(policy: PagePolicy = {}): string {
  return [
    "default-src 'none'",
    `script-src ${list(policy.scriptSrc, "'none'")}`,
    `connect-src ${list(policy.connectSrc, "'none'")}`,
    `style-src ${list(policy.styleSrc, "'unsafe-inline'")}`,
    `img-src ${list(policy.imgSrc, "'self' data:")}`,
    `form-action ${list(policy.formAction, "'self'")}`,
    `frame-ancestors ${list(policy.frameAncestors, "'none'")}`,
    "base-uri 'none'",
  ].join('; ');
}

/** Every security header of an HTML response under `policy`. */
export function htmlSecurityHeaders(policy: PagePolicy = {}): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(policy),
    'x-content-type-options': 'nosniff',
    'referrer-policy': policy.referrerPolicy ?? 'strict-origin-when-cross-origin',
    ...(policy.frameAncestors?.length ? {} : { 'x-frame-options': 'DENY' }),
  };
}


/**
 * The console: its own scripts and stylesheet (inline styles too: Mermaid styles the diagrams it draws), calls to the
 * API on its own origin and to the sign-in service (Cognito's API, or the local identity provider) at `signInOrigin`.
 */
export function consolePagePolicy(signInOrigin: string): PagePolicy {
  return {
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    connectSrc: ["'self'", signInOrigin],
    formAction: ["'self'"],
  };
}
