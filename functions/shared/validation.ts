import type * as z from 'zod';

/** One problem with one input field, as every 4xx body and every config error names it. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * zod issues as `{ field, message }` pairs: the field is the issue's dotted path (`fields.0.name`), or `root`
 * when the problem is with the input as a whole.
 */
export function fieldErrors(error: z.ZodError, root = '(input)'): FieldError[] {
  return error.issues.map((issue) => ({ field: issue.path.map(String).join('.') || root, message: issue.message }));
}

/** `field: message; field: message`, for errors that end up in one line (env, config files). */
export function describeFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join('; ');
}
