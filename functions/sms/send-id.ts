import { createHash } from 'node:crypto';

/**
 * The idempotency id of a journey text: one per (contact, execution, step), the same on every retry. Scoped apart
 * from email send ids, though their records live under their own prefix anyway.
 */
export function smsSendIdOf(contactId: string, executionName: string, stepId: string): string {
  return createHash('sha256').update(['sms-journey', contactId, executionName, stepId].join('\u0000')).digest('base64url').slice(0, 22);
}
