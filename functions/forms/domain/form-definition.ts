import * as z from 'zod';
import { describeFieldErrors, fieldErrors } from '../../shared/validation';
import { RESERVED_FIELD_NAMES } from './hidden-fields';
import { COUNTRY_CODES } from '../../shared/countries';

const fieldName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'field names are lower_snake_case, at most 64 characters')
  .refine((name) => !name.startsWith('utm_'), 'utm_* names are reserved for campaign parameters')
  .refine((name) => !RESERVED_FIELD_NAMES.has(name), 'this name is reserved (click ids, landing page, referrer, …)');

const common = {
  name: fieldName,
  label: z.string().min(1).max(200),
  /** A required field must be present and non-blank (a required checkbox must be checked). @default false */
  required: z.boolean().default(false),
};

const option = z.string().min(1).max(200);
const countryCode = z
  .string()
  .regex(/^[A-Z]{2}$/)
  .refine((code) => COUNTRY_CODES.has(code), 'an ISO 3166-1 alpha-2 country code such as "US"');
const isoDate = z.iso.date();

/** One field of a form, as marketers declare it. Stored values use the field's `name` forever. */
export const FormField = z.discriminatedUnion('type', [
  z.strictObject({ ...common, type: z.literal('email') }),
  z.strictObject({ ...common, type: z.literal('text'), maxLength: z.int().min(1).max(10_000).default(200) }),
  z.strictObject({ ...common, type: z.literal('textarea'), maxLength: z.int().min(1).max(20_000).default(5_000) }),
  z.strictObject({
    ...common,
    type: z.literal('number'),
    min: z.number().optional(),
    max: z.number().optional(),
    integer: z.boolean().default(false),
  }),
  z.strictObject({ ...common, type: z.literal('select'), options: z.array(option).min(1) }),
  z.strictObject({ ...common, type: z.literal('radio'), options: z.array(option).min(1) }),
  /** Several options; stored as one text value, the chosen options in declared order joined by ", ". */
  z.strictObject({
    ...common,
    type: z.literal('multiselect'),
    options: z.array(option.refine((o) => !o.includes(','), 'multi-select options cannot contain ","')).min(1),
    maxSelected: z.int().min(1).optional(),
  }),
  z.strictObject({ ...common, type: z.literal('checkbox') }),
  /**
   * A consent checkbox: when checked, the text version the visitor saw, the time, the form and the IP are
   * recorded on the event and the profile. Must be ticked by a person; never pre-checked by the snippet.
   */
  z.strictObject({
    ...common,
    type: z.literal('consent'),
    /** The version of the consent wording shown next to the box, e.g. "marketing-2026-11". */
    textVersion: z.string().min(1).max(100),
    /** What the consent is for; `marketing` is what email sends check. @default 'marketing' */
    purpose: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/).default('marketing'),
  }),
  /** A phone number, stored in E.164 (`+14155550123`); numbers without a country code use `defaultCountry`. */
  z.strictObject({ ...common, type: z.literal('phone'), defaultCountry: countryCode.optional() }),
  /** Kept for forms written before `phone`: loosely checked, stored as typed. */
  z.strictObject({ ...common, type: z.literal('tel') }),
  z.strictObject({ ...common, type: z.literal('url') }),
  /** A calendar date, stored as `YYYY-MM-DD`. */
  z.strictObject({ ...common, type: z.literal('date'), min: isoDate.optional(), max: isoDate.optional() }),
  /** A country, stored as its ISO 3166-1 alpha-2 code; the code or the English name is accepted. */
  z.strictObject({ ...common, type: z.literal('country'), options: z.array(countryCode).min(1).optional() }),
]);
export type FormField = z.infer<typeof FormField>;

const origin = z
  .string()
  .refine((value) => value === '*' || isOrigin(value), 'an origin is "*" or scheme://host[:port] with no path');

const redirectUrl = z
  .string()
  .refine(
    (value) => /^\/(?!\/)/.test(value) || /^https?:\/\/[^/]/.test(value),
    'a redirect is an absolute http(s) URL or a path starting with "/"',
  );

/** A bot check a person solves in the page; verified server-side with the provider. */
export const CaptchaSettings = z.strictObject({
  provider: z.enum(['turnstile', 'recaptcha']),
  /** The public site key the widget is rendered with (the secret is configuration, never in a form file). */
  siteKey: z.string().min(1).max(200),
});
export type CaptchaSettings = z.infer<typeof CaptchaSettings>;

/**
 * A form, declared in a file under content/forms/ and reviewed like code. Validated when a function starts,
 * when the local runtime starts and when the CDK app synthesizes, so a broken form never deploys.
 */
export const FormDefinition = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'form ids are lower-kebab-case'),
    name: z.string().min(1).max(200),
    fields: z.array(FormField).min(1),
    /** Origins whose pages may post this form; "*" allows any. Posts from other origins are refused. */
    allowedOrigins: z.array(origin).default([]),
    /**
     * Where a browser goes after a successful plain-HTML post (303). A path is resolved against the posting page's
     * origin when that origin is allowed (see allowedOrigins), else against the API's own origin.
     */
    redirectUrl,
    /** A hidden field people never fill; posts that fill it are answered as usual and stored nowhere. */
    honeypot: fieldName.optional(),
    /**
     * Email consent a submission gives (functions/email): to this topic of content/email.yaml; with `doubleOptIn`
     * the subscription stays pending until the contact confirms a link sent by email. Without `subscribe`, a
     * submitter is treated as subscribed (soft opt-in) until they unsubscribe.
     */
    subscribe: z
      .strictObject({ topic: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/), doubleOptIn: z.boolean().default(false) })
      .optional(),
    /**
     * Refuse (silently, as a bot) posts without a valid signed render token. Off by default so server-side
     * integrations keep working; posts WITH a token are always checked. @default false
     */
    requireRenderToken: z.boolean().default(false),
    /** A post this many seconds or less after the page rendered its token is a bot. @default 3 */
    minFillSeconds: z.number().min(0).max(600).default(3),
    /** A Turnstile or reCAPTCHA check, verified server-side on every post. */
    captcha: CaptchaSettings.optional(),
    /** B2B forms: refuse free-mail addresses (gmail.com, outlook.com, …) with a 422. @default false */
    rejectFreeMail: z.boolean().default(false),
    /**
     * Fields to ask only while the contact's profile lacks them: the snippet asks `GET /forms/{id}/config` which
     * to show to a known visitor. Every listed name must be a declared, optional field.
     */
    progressiveFields: z.array(fieldName).default([]),
    /**
     * The snippet sets no cookie (the signed visitor cookie for progressive profiling) until a consent field of
     * this form is checked. @default true
     */
    cookiesNeedConsent: z.boolean().default(true),
  })
  .superRefine((form, ctx) => {
    const names = form.fields.map((field) => field.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate) ctx.addIssue({ code: 'custom', message: `duplicate field "${duplicate}"`, path: ['fields'] });
    const emails = form.fields.filter((field) => field.type === 'email');
    if (emails.length !== 1 || emails[0]?.name !== 'email' || !emails[0].required) {
      ctx.addIssue({
        code: 'custom',
        message: 'a form needs exactly one field of type "email", named "email" and required',
        path: ['fields'],
      });
    }
    if (form.honeypot && names.includes(form.honeypot)) {
      ctx.addIssue({ code: 'custom', message: 'the honeypot must not be a declared field', path: ['honeypot'] });
    }
    for (const name of form.progressiveFields) {
      const field = form.fields.find((f) => f.name === name);
      if (!field || field.required || field.type === 'email') {
        ctx.addIssue({
          code: 'custom',
          message: `progressive field "${name}" must be a declared optional field other than the email`,
          path: ['progressiveFields'],
        });
      }
    }
  });
export type FormDefinition = z.infer<typeof FormDefinition>;

/** Parses every form file, failing with the form's file name and each problem, and refusing duplicate ids. */
export function loadForms(files: Record<string, unknown>): ReadonlyMap<string, FormDefinition> {
  const forms = new Map<string, FormDefinition>();
  for (const [file, content] of Object.entries(files)) {
    // Parsed once per cold start: compiling zod's fast path would cost more than it saves (jitless).
    const result = FormDefinition.safeParse(content, { jitless: true });
    if (!result.success) {
      throw new Error(`Form file ${file} is invalid: ${describeFieldErrors(fieldErrors(result.error, '(form)'))}`);
    }
    if (forms.has(result.data.id)) throw new Error(`Form id "${result.data.id}" is declared twice (${file})`);
    forms.set(result.data.id, result.data);
  }
  return forms;
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}
