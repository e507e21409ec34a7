import type { Contact } from '../shared/contact';
import type { FormSubmittedData } from '../forms/events';
import type { NewTimelineEvent, TimelineEvent } from '../shared/timeline';

/**
 * The contact store every capability depends on: profiles, the email-uniqueness claim and timelines. Declared
 * apart from its DynamoDB adapter so handlers and tests depend on this, not on the table.
 */
export interface Contacts {
  /**
   * Form intake: creates or updates the contact of `email` and appends its `form.submitted` event, together or
   * not at all.
   */
  recordSubmission(email: string, data: FormSubmittedData, at: Date): Promise<RecordedSubmission>;
  /** Appends any event to an existing contact's timeline; the stream then hands it to the reactor. */
  appendEvent(contactId: string, event: NewTimelineEvent): Promise<AppendOutcome>;
  get(contactId: string): Promise<Contact | undefined>;
  findIdByEmail(email: string): Promise<string | undefined>;
  timeline(contactId: string, page: { limit: number; cursor?: string }): Promise<TimelinePage>;
}

export interface RecordedSubmission {
  readonly contactId: string;
  readonly eventId: string;
  /** True when this submission created the contact. */
  readonly created: boolean;
}

export type AppendOutcome =
  | { readonly type: 'Appended'; readonly event: TimelineEvent }
  /** An event with the same (deterministic) id was appended before: nothing was written. */
  | { readonly type: 'AlreadyAppended'; readonly eventId: string }
  | { readonly type: 'NoSuchContact' };

export interface TimelinePage {
  readonly items: readonly TimelineEvent[];
  /** Opaque; pass back as `cursor` for the next (older) page. Absent on the last page. */
  readonly nextCursor?: string;
}

/** Transactions kept colliding with concurrent writers to the same contact; nothing was written. */
export class ContactContended extends Error {
  override name = 'ContactContended';
}

export class InvalidCursor extends Error {
  override name = 'InvalidCursor';
}

export { CorruptItem } from '../shared/items';
