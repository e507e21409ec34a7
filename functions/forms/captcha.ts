import type { Logger } from '../shared/logger';
import type { CaptchaSettings } from './domain/form-definition';

/** The outbound port to the captcha providers' verify endpoints. */
export interface CaptchaVerifier {
  /** True when the provider confirms the widget's response; false when it refutes it (or there is none). */
  verify(provider: CaptchaSettings['provider'], response: string, ip: string | undefined): Promise<boolean>;
}

/** A form asks for a captcha but its provider's secret key is not configured: a deployment mistake, never a bot. */
export class CaptchaNotConfigured extends Error {
  override name = 'CaptchaNotConfigured';
}

export interface HttpCaptchaOptions {
  /** Secret keys by provider (the site keys are public and live in the form files). */
  readonly secrets: Partial<Record<CaptchaSettings['provider'], () => Promise<string | undefined>>>;
  /** Verify endpoints; locally pointed at a fake. */
  readonly endpoints?: Partial<Record<CaptchaSettings['provider'], string>>;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  /** @default 3000 */
  readonly timeoutMs?: number;
}

export const defaultCaptchaEndpoints = {
  turnstile: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
  recaptcha: 'https://www.google.com/recaptcha/api/siteverify',
} as const;

/**
 * Cloudflare Turnstile and Google reCAPTCHA share the `siteverify` protocol: POST secret, response and remoteip
 * as a form, read `{ success }`. When the provider cannot be reached the post is let through and a warning is
 * logged: losing a real lead to someone else's outage is worse than letting a bot through for a while. A missing
 * secret is our mistake, not theirs: it throws (500), never lets the post through; the handler refuses to start
 * without it (see requireCaptchaSecrets).
 */
export function httpCaptchaVerifier(options: HttpCaptchaOptions): CaptchaVerifier {
  const fetcher = options.fetch ?? fetch;
  return {
    async verify(provider, response, ip) {
      if (!response || response.length > 4_096) return false;
      const secret = await options.secrets[provider]?.();
      if (!secret) throw new CaptchaNotConfigured(`no ${provider} secret key is configured`);
      const body = new URLSearchParams({ secret, response, ...(ip ? { remoteip: ip } : {}) });
      try {
        const answer = await fetcher(options.endpoints?.[provider] ?? defaultCaptchaEndpoints[provider], {
          method: 'POST',
          body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 3_000),
        });
        if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
        const result = (await answer.json()) as { success?: unknown };
        return result.success === true;
      } catch (error) {
        options.logger.warn('captcha provider unreachable; post let through', { provider, error: String(error) });
        return true;
      }
    },
  };
}
