import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { describeFieldErrors, fieldErrors } from '../../functions/shared/validation';

describe('fieldErrors', () => {
  it('names each field by its dotted path, and the input as a whole by the root name', () => {
    const schema = z.object({ email: z.email(), steps: z.array(z.object({ id: z.string() })) }).refine(() => false, 'no');
    const result = schema.safeParse({ email: 'nope', steps: [{ id: 1 }] });

    const errors = fieldErrors(result.error!, '(form)');

    expect(errors.map((e) => e.field)).toEqual(['email', 'steps.0.id']);
    expect(describeFieldErrors(errors)).toMatch(/^email: .+; steps\.0\.id: .+$/);
  });

  it('uses the root name for a problem with the whole input', () => {
    const result = z.object({ a: z.string() }).safeParse('text');

    expect(fieldErrors(result.error!, '(query)')).toEqual([{ field: '(query)', message: expect.any(String) }]);
  });
});
