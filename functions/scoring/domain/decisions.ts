import type { LeadScore } from '../../shared/contact';
import type { HandOff } from '../../shared/decisions';
import type { TimelineEvent } from '../../shared/timeline';

/**
 * Rewrites the contact's score and/or stage and appends the `score.changed` / `stage.changed` events
 * (deterministic ids), all in the marker's transaction: a redelivered record never scores twice.
 */
export interface UpdateLifecycle {
  readonly type: 'UpdateLifecycle';
  readonly contactId: string;
  readonly score?: LeadScore;
  readonly stage?: { readonly to: string; readonly at: string };
  readonly events: readonly TimelineEvent[];
}

/** Every decision the scoring rule makes: its own lifecycle update, and the CRM hand-off on entering the stage. */
export type ScoringDecision = UpdateLifecycle | HandOff;
