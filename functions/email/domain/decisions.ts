/**
 * Sends one email through the email capability (a double opt-in confirmation), made idempotent by
 * `idempotencyKey` (the triggering event's id): a retried record sends nothing more.
 */
export interface SendEmail {
  readonly type: 'SendEmail';
  readonly contactId: string;
  readonly templateId: string;
  readonly idempotencyKey: string;
  readonly confirm?: { readonly topic: string; readonly formId: string; readonly ip?: string };
}
