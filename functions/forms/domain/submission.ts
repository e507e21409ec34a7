import { cleanText, isTrue, singleLine, typedValue, webUrl, type FieldResult } from '../../shared/field-values';
import type { FieldError } from '../../shared/validation';
import { UTM_KEYS, type FieldValue, type Utm } from '../../shared/values';
import { checkEmail, type EmailPolicy } from '../../shared/email-address';
import type { FormDefinition, FormField } from './form-definition';
import {
  ANONYMOUS_ID_KEY,
  CLICK_ID_KEYS,
  EMAIL_CONFIRMED_KEY,
  LANDING_PAGE_KEY,
  REFERRER_KEY,
  SYSTEM_KEYS,
  type ClickIds,
} from './hidden-fields';

/** A consent the visitor gave by ticking a consent field. */
export interface GivenConsent {
  readonly field: string;
  readonly purpose: string;
  readonly textVersion: string;
}

/** A post that passed its form's rules: blanks are gone, numbers are numbers, the email is normalised. */
export interface ValidSubmission {
  /** The uniqueness key: NFC, lower-case, IDN domain in punycode. */
  readonly email: string;
  /** A shared mailbox such as info@ or sales@: accepted, flagged on the profile. */
  readonly emailRole: boolean;
  /** Declared fields that carry a value, email included; undeclared fields never get this far. */
  readonly fields: Readonly<Record<string, FieldValue>>;
  readonly utm: Utm;
  readonly clickIds: ClickIds;
  readonly landingPage?: string;
  /** The page before the landing page (`document.referrer`), as the snippet reports it. */
  readonly referrer?: string;
  readonly consents: readonly GivenConsent[];
  /** Posted names that are neither declared fields nor ones the endpoint reads: dropped, only counted. */
  readonly unknownFields: number;
  readonly anonymousId?: string;
}

export type SubmissionCheck =
  | { readonly type: 'Valid'; readonly submission: ValidSubmission }
  | { readonly type: 'Invalid'; readonly errors: readonly FieldError[]; readonly suggestion?: string }
  | { readonly type: 'Spam' };

const MAX_HIDDEN_LENGTH = 200;
const MAX_URL_LENGTH = 2_000;

/** Moved to functions/shared/field-values.ts (contacts type attributes with them too); kept here for importers. */
export { cleanText, singleLine };

/**
 * Checks raw posted fields against a form. UTM parameters come from hidden fields first, then from the query
 * string of the URL the form was posted to. Text is cleaned before it is checked: bidi overrides and control
 * characters are removed everywhere, and line breaks in single-line fields become spaces.
 */
export function checkSubmission(
  form: FormDefinition,
  raw: Readonly<Record<string, unknown>>,
  query: Readonly<Record<string, string | undefined>> = {},
  emailPolicy: Pick<EmailPolicy, 'isDisposable'> = { isDisposable: () => false },
): SubmissionCheck {
  if (form.honeypot && present(raw[form.honeypot])) return { type: 'Spam' };

  const errors: FieldError[] = [];
  const fields: Record<string, FieldValue> = {};
  const consents: GivenConsent[] = [];
  let email: { key: string; role: boolean } | undefined;
  let suggestion: string | undefined;

  for (const field of form.fields) {
    const result = checkField(field, raw[field.name]);
    if ('error' in result) {
      errors.push({ field: field.name, message: result.error });
      continue;
    }
    if (result.value === undefined) continue;
    if (field.type === 'email') {
      const check = checkEmail(String(result.value), {
        ...emailPolicy,
        rejectFreeMail: form.rejectFreeMail,
        confirmed: isTrue(raw[EMAIL_CONFIRMED_KEY]),
      });
      if (check.type === 'Rejected') {
        errors.push({ field: field.name, message: check.message });
        suggestion = check.suggestion;
        continue;
      }
      email = { key: check.key, role: check.role };
      fields[field.name] = check.key;
      continue;
    }
    if (field.type === 'consent' && result.value === true) {
      consents.push({ field: field.name, purpose: field.purpose, textVersion: field.textVersion });
    }
    fields[field.name] = result.value;
  }

  const hidden = (key: string, max: number, source: unknown = raw[key]) => {
    if (source === undefined) return undefined;
    const text = typeof source === 'string' ? singleLine(source) : undefined;
    if (text === undefined || text.length > max) {
      errors.push({ field: key, message: `must be a single text value of at most ${max} characters` });
      return undefined;
    }
    return text || undefined;
  };
  const utm: Utm = {};
  for (const key of UTM_KEYS) {
    const value = hidden(key, MAX_HIDDEN_LENGTH, raw[key] ?? query[key]);
    if (value) utm[key] = value;
  }
  const clickIds: ClickIds = {};
  for (const key of CLICK_ID_KEYS) {
    const value = hidden(key, MAX_HIDDEN_LENGTH, raw[key] ?? query[key]);
    if (value) clickIds[key] = value;
  }
  const landingPage = webUrl(hidden(LANDING_PAGE_KEY, MAX_URL_LENGTH));
  const referrer = webUrl(hidden(REFERRER_KEY, MAX_URL_LENGTH));
  const anonymousId = hidden(ANONYMOUS_ID_KEY, MAX_HIDDEN_LENGTH);

  if (errors.length > 0 || !email) {
    // The suggestion goes with the email's error whatever else is wrong, so one answer shows every fix.
    return { type: 'Invalid', errors, ...(suggestion ? { suggestion } : {}) };
  }
  const declared = new Set(form.fields.map((field) => field.name));
  const unknownFields = Object.keys(raw).filter(
    (name) => !declared.has(name) && !SYSTEM_KEYS.has(name) && !name.startsWith('utm_') && name !== form.honeypot,
  ).length;
  return {
    type: 'Valid',
    submission: {
      email: email.key,
      emailRole: email.role,
      fields,
      utm,
      clickIds,
      ...(landingPage ? { landingPage } : {}),
      ...(referrer ? { referrer } : {}),
      consents,
      unknownFields,
      ...(anonymousId ? { anonymousId } : {}),
    },
  };
}

/** One field's value: absent (blank), typed, or the reason it is refused. */
function checkField(field: FormField, input: unknown): FieldResult {
  const result = typedValue(field, input);
  if ('error' in result) return result;
  if (result.value === undefined || (field.type === 'checkbox' && result.value === false)) {
    if (field.required) return { error: field.type === 'checkbox' || field.type === 'consent' ? 'must be checked' : 'is required' };
    return result;
  }
  if (field.type === 'consent' && result.value === false) {
    return field.required ? { error: 'must be checked' } : { value: undefined };
  }
  return result;
}

function present(value: unknown): boolean {
  if (typeof value === 'string') return cleanText(value) !== '';
  if (Array.isArray(value)) return value.some(present);
  return value !== undefined && value !== null && value !== false;
}
