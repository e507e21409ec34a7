import type { Contact } from '../../shared/contact';
import type { TimelineEvent } from '../../shared/timeline';

/**
 * What a rule decides an event causes, told apart by `type`. Each type is owned by exactly one capability module
 * (functions/<capability>/capability.ts), which applies it as one of two kinds:
 *
 * - a **write** joins the DynamoDB transaction that also sets the event's processed marker, so it happens exactly
 *   once with the marker;
 * - a **call** reaches a service that cannot join that transaction (Step Functions, a queue, SES); it is made before
 *   the transaction and must be idempotent by itself (a deterministic name or idempotency key), because a failure
 *   after it and before the marker means the record is retried and the call made again.
 */
export interface Decision {
  readonly type: string;
}

/**
 * What a rule sees of one new event: the event, the profile of the contact it belongs to (every timeline event has
 * one), and the per-contact state `S` its capability declares, as loaded. State is optional: a replay of a timeline
 * (a recomputation) runs the rules with none.
 */
export type ReactorState<S = object> = { readonly event: TimelineEvent; readonly contact: Contact } & Partial<S>;

/** A rule: a pure function of the loaded state. Each capability owns its rules in its own `domain/`. */
export type Rule<S = object, D extends Decision = Decision> = (state: ReactorState<S>) => readonly D[];
