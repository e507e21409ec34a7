import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';
import { countryCodeOf } from './countries';
import type { FieldValue } from './values';

/**
 * Typed field values: how a raw input (a posted form field, an attribute sent to the contacts API) becomes the
 * value stored on a profile. Forms and contacts share it so an attribute means the same whichever door it came
 * through. Pure.
 */

/** What a value is checked against: a form field's declaration without its name, label and `required`. */
export type FieldSpec =
  | { readonly type: 'email' }
  | { readonly type: 'text' | 'textarea'; readonly maxLength: number }
  | { readonly type: 'number'; readonly min?: number | undefined; readonly max?: number | undefined; readonly integer: boolean }
  | { readonly type: 'select' | 'radio'; readonly options: readonly string[] }
  | { readonly type: 'multiselect'; readonly options: readonly string[]; readonly maxSelected?: number | undefined }
  | { readonly type: 'checkbox' }
  | { readonly type: 'consent' }
  | { readonly type: 'tel' }
  | { readonly type: 'url' }
  | { readonly type: 'phone'; readonly defaultCountry?: string | undefined }
  | { readonly type: 'date'; readonly min?: string | undefined; readonly max?: string | undefined }
  | { readonly type: 'country'; readonly options?: readonly string[] | undefined };

/** A typed value (undefined: blank), or why the input is refused. */
export type FieldResult = { value: FieldValue | undefined } | { error: string };

const MAX_URL_LENGTH = 2_000;

/** One input as its field's type takes it: blank (undefined), the typed and cleaned value, or the reason it is refused. */
export function typedValue(field: FieldSpec, input: unknown): FieldResult {
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

function textValue(field: Exclude<FieldSpec, { type: 'checkbox' | 'consent' | 'multiselect' | 'number' }>, text: string): FieldResult {
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

function multiSelect(field: Extract<FieldSpec, { type: 'multiselect' }>, input: unknown): FieldResult {
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

function toNumber(field: Extract<FieldSpec, { type: 'number' }>, input: unknown): FieldResult {
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

/** A checkbox: JSON booleans, or on/off, true/false, 1/0, yes/no. */
export function toBoolean(input: unknown): FieldResult {
  if (input === true || input === false) return { value: input };
  const text = singleValue(input);
  if (typeof text !== 'string') return text;
  const word = text.toLowerCase();
  if (['', 'off', 'false', '0', 'no'].includes(word)) return { value: false };
  if (['on', 'true', '1', 'yes'].includes(word)) return { value: true };
  return { error: 'must be checked or unchecked' };
}

/** Whether an input is a ticked checkbox (JSON `true`, "on", "yes", …). */
export function isTrue(value: unknown): boolean {
  const result = toBoolean(value);
  return 'value' in result && result.value === true;
}

// Bidi embeddings, overrides and isolates, and the marks: invisible, and able to disguise what text says.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// C0 and C1 controls but tab and newline (NEL, U+0085, is a line break and turned into one first).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
// Every other way to break a line: CR, CRLF, NEL, the Unicode line and paragraph separators.
const LINE_BREAK = /\r\n?|[\u0085\u2028\u2029]/g;
// Half of a surrogate pair alone is no character: JSON carries it (`"\ud800"`), UTF-8 cannot, and readers choke on it.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Multi-line text as it is stored: well-formed Unicode in NFC, no bidi controls, no control characters but tab and
 * newline, every line break as LF, trimmed.
 */
export function cleanText(text: string): string {
  return text.replace(LONE_SURROGATE, '').normalize('NFC').replace(BIDI, '').replace(LINE_BREAK, '\n').replace(CONTROL, '').trim();
}

/**
 * Whether text has anything cleanText would remove besides surrounding white space: for identifiers, which are
 * refused rather than silently changed (two different ids must not become one).
 */
export function hasInvisibleCharacters(text: string): boolean {
  return INVISIBLE.test(text);
}

const INVISIBLE = new RegExp(`${CONTROL.source}|${LONE_SURROGATE.source}|${BIDI.source}|${LINE_BREAK.source}|[\\t\\n]`);

/** The first `max` UTF-16 units of text, one fewer when the cut would split a surrogate pair (and leave half of it). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/**
 * A JSON value with every string in it, map keys included, cleaned as cleanText cleans text: for free-form data a
 * caller hands over (template data) that is stored and read back.
 */
export function cleanDeep(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(cleanDeep);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [cleanText(key), cleanDeep(item)]));
}

/** Single-line text: as cleanText, and every run of line breaks and tabs becomes one space. */
export function singleLine(text: string): string {
  return cleanText(text).replace(/[\t\n]+/g, ' ');
}

/** The text when it is an http(s) URL, else undefined. */
export function webUrl(text: string | undefined): string | undefined {
  if (!text || !/^https?:\/\//i.test(text)) return undefined;
  try {
    return new URL(text).protocol.startsWith('http') ? text : undefined;
  } catch {
    return undefined;
  }
}
