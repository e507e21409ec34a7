/**
 * How many contacts are in each journey now, by step. Declared apart from its adapter (the reports capability's
 * step gauge, functions/journeys/metrics-step-counts.ts), so the journeys API never scans contacts to count.
 */
export interface JourneyStepCounts {
  /**
   * journeyId → step id → contacts there now, as the gauge keeps them: a contact counts at the last step that sent
   * (or skipped) an email or updated it, and at `start` from entering until then (readers place them in the wait
   * they sit in with `placeInWaits`, functions/journeys/domain/positions.ts); journeys with nobody in them may be absent.
   */
  active(): Promise<ReadonlyMap<string, Readonly<Record<string, number>>>>;
}

export { START_STEP } from './domain/positions';
