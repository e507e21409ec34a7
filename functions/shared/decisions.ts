import type { TimelineEvent } from './timeline';

/**
 * Decisions one capability's rules make and another capability applies: value types both sides share (a
 * capability's `domain/` imports no other capability).
 */

/** Appends an event with a deterministic id (journey entered/exited): once, with the marker. Applied by contacts. */
export interface AppendEvent {
  readonly type: 'AppendEvent';
  readonly event: TimelineEvent;
}

/**
 * Hands the contact to sales (made by scoring on entering the hand-off stage, applied by crm). Queued (the CRM may
 * be slow or down; the stream must not wait for it) and made idempotent by `idempotencyKey` (derived from the
 * triggering event).
 */
export interface HandOff {
  readonly type: 'HandOff';
  readonly contactId: string;
  readonly idempotencyKey: string;
  readonly reason: string;
  readonly source: string;
}

/**
 * Adds 1 to a daily counter, or `counts` (attribute → amount) to several counters of the same item in one update.
 * Applied by reports (functions/reports); other capabilities count their own metrics with it (segment sizes).
 */
export interface CountMetric {
  readonly type: 'CountMetric';
  readonly metric: string;
  /** The item's SK (`keys.metric`): a day, `current` for a gauge, or a day and a value (`metricValueSk`). */
  readonly day: string;
  readonly shard: number;
  readonly counts?: Readonly<Record<string, number>>;
}
