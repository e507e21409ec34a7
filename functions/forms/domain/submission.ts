import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';
import type { FieldError } from '../../shared/validation';
import { UTM_KEYS, type FieldValue, type Utm } from '../../shared/values';
import { countryCodeOf } from './countries';
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

type FieldResult = { value: FieldValue | undefined } | { error: string };

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

function typedValue(field: FormField, input: unknown): FieldResult {
  switch (field.type) {
    case 'checkbox':
    case 'consent':
      return toBoolean(input);
    case 'multiselect':
      return multiSelect(field, input);
    case 'number':
      return toNumber(field, input);
    default: {
      const text = singleValue(input, field.type === 'textarea');
      if (typeof text !== 'string') return text;
      return text === '' ? { value: undefined } : textValue(field, text);
    }
  }
}

/** A single text value, cleaned; an object with `error` when the input is not one. */
function singleValue(input: unknown, multiline = false): string | { error: string } {
  if (input === undefined || input === null) return '';
  if (Array.isArray(input)) return { error: 'must be a single value' };
  if (typeof input !== 'string') return { error: 'must be text' };
  return multiline ? cleanText(input) : singleLine(input);
}

function textValue(field: Exclude<FormField, { type: 'checkbox' | 'consent' | 'multiselect' | 'number' }>, text: string): FieldResult {
  switch (field.type) {
    case 'email':
      return text.length > 254 ? { error: 'must be at most 254 characters' } : { value: text };
    case 'text':
    case 'textarea':
      return [...text].length > field.maxLength ? { error: `must be at most ${field.maxLength} characters` } : { value: text };
    case 'tel':
      return /^\+?[0-9 ().-]{3,40}$/.test(text) ? { value: text } : { error: 'must be a phone number' };
    case 'phone': {
      const phone = text.length <= 40 ? parsePhoneNumberFromString(text, field.defaultCountry as CountryCode | undefined) : undefined;
      if (!phone?.isValid()) {
        return { error: field.defaultCountry ? 'must be a phone number' : 'must be a phone number with its country code (+…)' };
      }
      return { value: phone.number };
    }
    case 'url':
      return text.length <= MAX_URL_LENGTH && webUrl(text) ? { value: text } : { error: 'must be a web address starting with http:// or https://' };
    case 'select':
    case 'radio':
      return field.options.includes(text) ? { value: text } : { error: `must be one of: ${field.options.join(', ')}` };
    case 'date': {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`)) || new Date(`${text}T00:00:00Z`).toISOString().slice(0, 10) !== text) {
        return { error: 'must be a date (YYYY-MM-DD)' };
      }
      if (field.min && text < field.min) return { error: `must be on or after ${field.min}` };
      if (field.max && text > field.max) return { error: `must be on or before ${field.max}` };
      return { value: text };
    }
    case 'country': {
      const code = text.length <= 100 ? countryCodeOf(text) : undefined;
      if (!code || (field.options && !field.options.includes(code))) return { error: 'must be a country' };
      return { value: code };
    }
  }
}

function multiSelect(field: Extract<FormField, { type: 'multiselect' }>, input: unknown): FieldResult {
  const values = input === undefined || input === null ? [] : Array.isArray(input) ? input : [input];
  const chosen = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string') return { error: 'must be a list of options' };
    const text = singleLine(value);
    if (text === '') continue;
    if (!field.options.includes(text)) return { error: `must be among: ${field.options.join(', ')}` };
    chosen.add(text);
  }
  if (field.maxSelected !== undefined && chosen.size > field.maxSelected) {
    return { error: `must have at most ${field.maxSelected} choices` };
  }
  if (chosen.size === 0) return { value: undefined };
  return { value: field.options.filter((option) => chosen.has(option)).join(', ') };
}

function toNumber(field: Extract<FormField, { type: 'number' }>, input: unknown): FieldResult {
  let number: number;
  if (typeof input === 'number') {
    number = input;
  } else {
    const text = singleValue(input);
    if (typeof text !== 'string') return text;
    if (text === '') return { value: undefined };
    // People type "5,000" or "$5000" into a budget box; a thousands separator or a leading $ is not an error.
    const cleaned = text.replace(/^\$/, '').replace(/,(?=\d{3}(\D|$))/g, '');
    if (!/^-?\d+(\.\d+)?$/.test(cleaned)) return { error: 'must be a number' };
    number = Number(cleaned);
  }
  // Beyond 2^53 a number is no longer exact (and DynamoDB's range ends earlier for huge ones).
  if (!Number.isFinite(number) || Math.abs(number) > Number.MAX_SAFE_INTEGER) return { error: 'must be a number' };
  if (field.integer && !Number.isInteger(number)) return { error: 'must be a whole number' };
  if (field.min !== undefined && number < field.min) return { error: `must be at least ${field.min}` };
  if (field.max !== undefined && number > field.max) return { error: `must be at most ${field.max}` };
  return { value: number };
}

function toBoolean(input: unknown): FieldResult {
  if (input === true || input === false) return { value: input };
  const text = singleValue(input);
  if (typeof text !== 'string') return text;
  const word = text.toLowerCase();
  if (['', 'off', 'false', '0', 'no'].includes(word)) return { value: false };
  if (['on', 'true', '1', 'yes'].includes(word)) return { value: true };
  return { error: 'must be checked or unchecked' };
}

// Bidi embeddings, overrides and isolates, and the marks: invisible, and able to disguise what text says.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** Multi-line text: NFC, no bidi controls, no control characters but tab and newline, CRLF as LF, trimmed. */
export function cleanText(text: string): string {
  return text.normalize('NFC').replace(BIDI, '').replace(/\r\n?/g, '\n').replace(CONTROL, '').trim();
}

/** Single-line text: as cleanText, and every run of line breaks and tabs becomes one space. */
export function singleLine(text: string): string {
  return cleanText(text).replace(/[\t\n]+/g, ' ');
}

function present(value: unknown): boolean {
  if (typeof value === 'string') return cleanText(value) !== '';
  if (Array.isArray(value)) return value.some(present);
  return value !== undefined && value !== null && value !== false;
}

function isTrue(value: unknown): boolean {
  const result = toBoolean(value);
  return 'value' in result && result.value === true;
}

function webUrl(text: string | undefined): string | undefined {
  if (!text || !/^https?:\/\//i.test(text)) return undefined;
  try {
    return new URL(text).protocol.startsWith('http') ? text : undefined;
  } catch {
    return undefined;
  }
}
