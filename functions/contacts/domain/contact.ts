import type { EventName } from '../../shared/events';
import type { FieldValue, Utm } from '../../forms/domain/submission';

/** Where a contact came from: the campaign parameters and page of one touch. */
export interface Touch {
  readonly utm: Utm;
  readonly formId: string;
  readonly referrer?: string;
  readonly at: string;
}

export interface Contact {
  readonly contactId: string;
  /** Normalized (trimmed, lower-case): the key the email-uniqueness item is written under. */
  readonly email: string;
  /** The latest non-blank answer to every field the contact ever submitted, by field name. */
  readonly attributes: Readonly<Record<string, FieldValue>>;
  /** The first touch that carried campaign parameters; never overwritten. */
  readonly firstTouch?: Touch;
  /** The latest touch that carried campaign parameters. */
  readonly lastTouch?: Touch;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface FormSubmittedData {
  readonly formId: string;
  readonly fields: Readonly<Record<string, FieldValue>>;
  readonly utm: Utm;
  readonly referrer?: string;
  readonly userAgent?: string;
  readonly ip?: string;
}

/** One entry of a contact's timeline. Events are appended, never edited (bar the reactor's processed marker). */
export interface TimelineEvent {
  readonly eventId: string;
  readonly contactId: string;
  readonly type: EventName;
  readonly occurredAt: string;
  readonly data: FormSubmittedData;
  /** Set once by the reactor when it has applied its rules to this event. */
  readonly processedAt?: string;
}

/**
 * Email addresses are compared trimmed and lower-cased. Provider-specific rewriting (dots, +tags) is not
 * applied: those can be distinct mailboxes, and merging two people is worse than keeping a duplicate.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The touch a submission represents, or undefined when it carried no campaign parameters (a direct visit). */
export function touchOf(data: FormSubmittedData, at: string): Touch | undefined {
  if (Object.keys(data.utm).length === 0) return undefined;
  return { utm: data.utm, formId: data.formId, ...(data.referrer ? { referrer: data.referrer } : {}), at };
}

/** Profile attributes a submission contributes: every answered field but the email, which is the key. */
export function attributesOf(data: FormSubmittedData): Record<string, FieldValue> {
  return Object.fromEntries(Object.entries(data.fields).filter(([name]) => name !== 'email'));
}
