import * as z from 'zod';
import { describeFieldErrors, fieldErrors } from './validation';

/**
 * Parses the environment once, at cold start, and fails loudly naming every missing or invalid variable,
 * so a misconfigured function never starts serving requests.
 */
export function parseEnv<T extends z.ZodRawShape>(shape: T, source: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<T>> {
  const result = z.object(shape).safeParse(source);
  if (!result.success) {
    throw new Error(`Invalid environment: ${describeFieldErrors(fieldErrors(result.error, '(environment)'))}`);
  }
  return result.data;
}
