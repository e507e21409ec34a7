import * as z from 'zod';
import { describeFieldErrors, fieldErrors } from '../../shared/validation';

const fieldName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'field names are lower_snake_case, at most 64 characters')
  .refine((name) => !name.startsWith('utm_'), 'utm_* names are reserved for campaign parameters');

const common = {
  name: fieldName,
  label: z.string().min(1).max(200),
  /** A required field must be present and non-blank (a required checkbox must be checked). @default false */
  required: z.boolean().default(false),
};

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
  z.strictObject({ ...common, type: z.literal('select'), options: z.array(z.string().min(1).max(200)).min(1) }),
  z.strictObject({ ...common, type: z.literal('checkbox') }),
  z.strictObject({ ...common, type: z.literal('tel') }),
  z.strictObject({ ...common, type: z.literal('url') }),
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
     * Where a browser goes after a successful plain-HTML post (303). A path is resolved against the page that
     * posted the form, so one form file serves every site it is embedded in.
     */
    redirectUrl,
    /** A hidden field people never fill; posts that fill it are answered as usual and stored nowhere. */
    honeypot: fieldName.optional(),
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
  });
export type FormDefinition = z.infer<typeof FormDefinition>;

/** Parses every form file, failing with the form's file name and each problem, and refusing duplicate ids. */
export function loadForms(files: Record<string, unknown>): ReadonlyMap<string, FormDefinition> {
  const forms = new Map<string, FormDefinition>();
  for (const [file, content] of Object.entries(files)) {
    const result = FormDefinition.safeParse(content);
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
