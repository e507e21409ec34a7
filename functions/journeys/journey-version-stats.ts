import type { Metrics } from '../reports/metrics';
import { byVersionLabel } from '../reports/domain/reports';
import { journeyVersionsOf } from '../reports/reports';
import type { Journey } from './domain/journey-file';

/** One version of a journey as `GET /journeys/{id}` lists it. */
export interface JourneyVersionStats {
  readonly version: string;
  /** The version new entries start on (`journey.version`). */
  readonly live: boolean;
  /** Contacts on it now. */
  readonly running: number;
  readonly entered: number;
  readonly completed: number;
  readonly failed: number;
  /** Exits of every reason, and by reason (only those that happened: `drained`, `goal`, …). */
  readonly exited: number;
  readonly exitedBy: Readonly<Record<string, number>>;
  readonly migratedIn: number;
  readonly migratedOut: number;
}

/**
 * A journey's versions over a range, from the reports' per-version counters and version gauge (O(days × shards)
 * items, never a scan of contacts): the live one first, even before anyone entered it, then the others by label
 * (`unversioned`, runs that began before journeys had versions, last).
 */
export async function journeyVersionStats(metrics: Metrics, journey: Journey, from: string, to: string): Promise<JourneyVersionStats[]> {
  const versions = new Map((await journeyVersionsOf(metrics, from, to)).get(journey.id) ?? []);
  const live = journey.version;
  if (live !== undefined && !versions.has(live)) versions.set(live, { entered: 0, completed: 0, failed: 0, exited: {}, migratedIn: 0, migratedOut: 0, running: 0 });
  return [...versions]
    .sort(([a], [b]) => Number(b === live) - Number(a === live) || byVersionLabel(a, b))
    .map(([version, c]) => ({
      version,
      live: version === live,
      running: c.running ?? 0,
      entered: c.entered,
      completed: c.completed,
      failed: c.failed,
      exited: Object.values(c.exited).reduce((sum, n) => sum + n, 0),
      exitedBy: Object.fromEntries(Object.entries(c.exited).filter(([, n]) => n !== 0)),
      migratedIn: c.migratedIn,
      migratedOut: c.migratedOut,
    }));
}
