import * as z from 'zod';
import { fieldErrors, type FieldError } from '../../shared/validation';
import { UTM_KEYS, type FieldValue, type Utm } from '../../shared/values';
import type { FormDefinition, FormField } from './form-definition';

/** A post that passed its form's rules: blanks are gone, numbers are numbers, the email is trimmed. */
export interface ValidSubmission {
  readonly email: string;
  /** Declared fields that carry a value, email included; undeclared fields never get this far. */
  readonly fields: Readonly<Record<string, FieldValue>>;
  readonly utm: Utm;
}

export type SubmissionCheck =
  | { readonly type: 'Valid'; readonly submission: ValidSubmission }
  | { readonly type: 'Invalid'; readonly errors: readonly FieldError[] }
  | { readonly type: 'Spam' };

const MAX_UTM_LENGTH = 200;
const schemas = new WeakMap<FormDefinition, z.ZodType<Record<string, FieldValue | undefined>>>();

/**
 * Checks raw posted fields against a form. UTM parameters come from hidden fields first, then from the query
 * string of the URL the form was posted to.
 */
export function checkSubmission(
  form: FormDefinition,
  raw: Readonly<Record<string, unknown>>,
  query: Readonly<Record<string, string | undefined>> = {},
): SubmissionCheck {
  if (form.honeypot && isFilled(raw[form.honeypot])) return { type: 'Spam' };

  const parsed = schemaFor(form).safeParse(raw);
  const errors: FieldError[] = parsed.success ? [] : fieldErrors(parsed.error, '(form)');

  const utm: Utm = {};
  for (const key of UTM_KEYS) {
    const value = raw[key] ?? query[key];
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value.trim() : undefined;
    if (text === undefined || text.length > MAX_UTM_LENGTH) {
      errors.push({ field: key, message: `must be a single text value of at most ${MAX_UTM_LENGTH} characters` });
    } else if (text) {
      utm[key] = text;
    }
  }

  if (errors.length > 0 || !parsed.success) return { type: 'Invalid', errors };
  const fields = Object.fromEntries(
    Object.entries(parsed.data).filter((entry): entry is [string, FieldValue] => entry[1] !== undefined),
  );
  return { type: 'Valid', submission: { email: fields.email as string, fields, utm } };
}

function schemaFor(form: FormDefinition) {
  let schema = schemas.get(form);
  if (!schema) {
    schema = z.object(Object.fromEntries(form.fields.map((field) => [field.name, fieldSchema(field)])));
    schemas.set(form, schema);
  }
  return schema;
}

function fieldSchema(field: FormField): z.ZodType<FieldValue | undefined> {
  if (field.type === 'checkbox') {
    const checkbox = z.preprocess(toBoolean, z.boolean({ error: 'must be checked or unchecked' }));
    return field.required ? checkbox.refine((checked) => checked, 'must be checked') : checkbox;
  }
  const value = valueSchema(field);
  return z.preprocess(blankToUndefined, field.required ? value : value.optional());
}

function valueSchema(field: Exclude<FormField, { type: 'checkbox' }>): z.ZodType<FieldValue> {
  const required = {
    error: (issue: { input: unknown }) =>
      issue.input === undefined ? 'is required' : Array.isArray(issue.input) ? 'must be a single value' : 'must be text',
  };
  switch (field.type) {
    case 'email':
      return z.string(required).max(254, 'must be at most 254 characters').pipe(z.email('must be a valid email address'));
    case 'text':
    case 'textarea':
      return z.string(required).max(field.maxLength, `must be at most ${field.maxLength} characters`);
    case 'tel':
      return z.string(required).regex(/^\+?[0-9 ().-]{3,40}$/, 'must be a phone number');
    case 'url':
      return z
        .string(required)
        .max(2_000, 'must be at most 2000 characters')
        .pipe(z.url({ protocol: /^https?$/, error: 'must be a web address starting with http:// or https://' }));
    case 'select':
      return z.string(required).refine((v) => field.options.includes(v), `must be one of: ${field.options.join(', ')}`);
    case 'number': {
      let number: z.ZodType<number> = z.preprocess(toNumber, z.number({ error: (i) => (i.input === undefined ? 'is required' : 'must be a number') }));
      if (field.integer) number = number.pipe(z.int('must be a whole number'));
      if (field.min !== undefined) number = number.pipe(z.number().min(field.min, `must be at least ${field.min}`));
      if (field.max !== undefined) number = number.pipe(z.number().max(field.max, `must be at most ${field.max}`));
      return number;
    }
  }
}

/** Blank and whitespace-only values are absent: a later blank never erases an earlier answer. */
function blankToUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 1 ? blankToUndefined(value[0]) : value;
  if (typeof value === 'string') {
    // Control characters (other than tab and newlines) are never meant; drop them before storing.
    // eslint-disable-next-line no-control-regex
    const trimmed = value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim();
    return trimmed === '' ? undefined : trimmed;
  }
  return value === null ? undefined : value;
}

function toNumber(value: unknown): unknown {
  const present = blankToUndefined(value);
  if (typeof present !== 'string') return present;
  // People type "5,000" or "$5000" into a budget box; a thousands separator or a leading $ is not an error.
  const cleaned = present.replace(/^\$/, '').replace(/,(?=\d{3}(\D|$))/g, '');
  return /^-?\d+(\.\d+)?$/.test(cleaned) ? Number(cleaned) : present;
}

function toBoolean(value: unknown): unknown {
  const present = blankToUndefined(value);
  if (present === undefined || present === false) return false;
  if (present === true) return true;
  if (typeof present === 'string') {
    const word = present.toLowerCase();
    if (['on', 'true', '1', 'yes'].includes(word)) return true;
    if (['off', 'false', '0', 'no'].includes(word)) return false;
  }
  return present;
}

function isFilled(value: unknown): boolean {
  return blankToUndefined(value) !== undefined;
}
