import type { Clock } from '../shared/ids';
import type { Logger } from '../shared/logger';
import type { ContactUpsertedData } from './events';
import type { UpsertRequest, UpsertRules } from './domain/upsert';

/** Which door an upsert came through, and (for enrolments) which journey. */
export interface UpsertOrigin {
  readonly via: ContactUpsertedData['via'];
  readonly journeyId?: string;
}

/** An `Idempotency-Key` with the fingerprint of the request it came with. */
export interface IdempotencyClaim {
  readonly key: string;
  /** A hash of the request's body: the same key with another body is refused, not replayed. */
  readonly fingerprint: string;
}

/** What an upsert did (or, replayed, what the first request with its idempotency key did). */
export type UpsertOutcome =
  | { readonly type: 'Created' | 'Updated'; readonly contactId: string; readonly eventId: string; readonly replayed?: boolean }
  | { readonly type: 'Unchanged'; readonly contactId: string; readonly replayed?: boolean }
  /** 409: the external id belongs to another contact, or the email's contact has another one. */
  | { readonly type: 'Conflict'; readonly code: 'external_id_conflict'; readonly message: string }
  /** 404: only an external id was given and no contact has it. */
  | { readonly type: 'NotFound'; readonly message: string }
  /** The idempotency key was used before with another body. */
  | { readonly type: 'KeyReused' }
  /**
   * The address belongs to an erased person (its keyed hash is on the suppression list, functions/shared/suppression.ts)
   * and nobody has it now: an import never brings it back; the API and enrolments only with a consent stated now.
   */
  | { readonly type: 'Erased'; readonly message: string };

/**
 * The contacts API's writer: load (claims, idempotency record, profile and its index entries) → decide (pure,
 * functions/contacts/domain/upsert.ts) → ONE transaction of the claims, the profile, the `contact.upserted` event,
 * the search index entries and the idempotency record. Declared apart from its DynamoDB adapter.
 */
export interface ContactUpserts {
  upsert(request: UpsertRequest, origin: UpsertOrigin, at: Date, idempotency?: IdempotencyClaim): Promise<UpsertOutcome>;
}

/** What every door that writes contacts through the upsert needs: the writer, the checks' configuration, the clock, logs. */
export interface UpsertingDeps {
  readonly upserts: ContactUpserts;
  readonly rules: UpsertRules;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Rows upserted at once (imports). */
  readonly concurrency?: number;
}
