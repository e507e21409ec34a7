/**
 * Segments bench (part of `npm run bench`; alone: `npx tsx bench/segments.ts`): `segments rebuild` replay, events per
 * CPU-second on one core through the segment rules (the pure replay of functions/segments/domain/rebuild.ts, every
 * shipped segment) over a generated history, against rescore's replay of the same events measured in the same run,
 * and the time a rebuild of 1M contacts would take at that rate. `BENCH_SEGMENT_CONTACTS` shrinks the history
 * (default 100,000 contacts, about 1,000,000 events).
 */
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { lifecycle, scoringRules, stageRankOf } from '../functions/scoring/domain/content';
import { replayTimeline } from '../functions/scoring/domain/replay';
import { replaySegments } from '../functions/segments/domain/rebuild';
import { indexSegments } from '../functions/segments/domain/rules';
import { segments } from '../functions/segments/segments';
import type { Contact } from '../functions/shared/contact';
import type { TimelineEvent } from '../functions/shared/timeline';
import { generateTimelines, random } from './scoring';

export const segmentsGoals = { minReplayEventsPerSecond: 200_000 } as const;
export const benchSegmentContacts = Number(process.env.BENCH_SEGMENT_CONTACTS ?? 100_000);

/** Mautic's segment rebuild of about a million contacts, as reported in mautic/mautic#2870: 2.5 days. */
const MAUTIC_REBUILD_DAYS = 2.5;
const EXTRAPOLATED_CONTACTS = 1_000_000;

export interface SegmentsBenchResult {
  readonly contacts: number;
  readonly events: number;
  readonly segments: number;
  readonly eventsPerSecond: number;
  /** Rescore's replay of the same events in the same run: the floor. */
  readonly floorEventsPerSecond: number;
  /** Members at the end, all segments together (a check that the replay did work). */
  readonly memberships: number;
}

export function benchSegmentsReplay(contacts = benchSegmentContacts): SegmentsBenchResult {
  // Generated 10,000 contacts at a time, so the heap holds one slice; only the replays' CPU time is counted.
  const SLICE = 10_000;
  const index = indexSegments(segments);
  const funnel = { stageRank: stageRankOf, initialStage: lifecycle.initial };
  const now = '2026-12-01T00:00:00.000Z';
  const next = random(7);
  const segmentsReplay = (t: { profile: Contact; events: TimelineEvent[] }) => replaySegments(index, t.profile, t.events, now, funnel);
  const rescoreReplay = (t: { profile: Contact; events: TimelineEvent[] }) => replayTimeline(scoringRules, lifecycle, t.profile, t.events);
  for (const t of generateTimelines(2_000, next)) {
    segmentsReplay(t);
    rescoreReplay(t);
  }
  const collectGarbage = exposedGc();
  let events = 0;
  let memberships = 0;
  let segmentsMicros = 0;
  let floorMicros = 0;
  const cpu = (work: () => void) => {
    collectGarbage();
    const started = process.cpuUsage();
    work();
    const used = process.cpuUsage(started);
    return used.user + used.system;
  };
  for (let done = 0; done < contacts; done += SLICE) {
    const slice = generateTimelines(Math.min(SLICE, contacts - done), next);
    // The two replays take turns slice by slice, so a machine other work shares slows both alike.
    segmentsMicros += cpu(() => {
      for (const t of slice) for (const state of segmentsReplay(t).states.values()) if (state.member) memberships++;
    });
    floorMicros += cpu(() => {
      for (const t of slice) rescoreReplay(t);
    });
    for (const t of slice) events += t.events.length;
  }
  return {
    contacts,
    events,
    segments: segments.size,
    eventsPerSecond: events / (segmentsMicros / 1e6),
    floorEventsPerSecond: events / (floorMicros / 1e6),
    memberships,
  };
}

/** V8's full collection, made callable without starting node with --expose-gc. */
function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export function segmentsSection(result: SegmentsBenchResult): { markdown: string; verdicts: { goal: string; met: boolean }[] } {
  const verdicts: { goal: string; met: boolean }[] = [];
  const verdict = (goal: string, met: boolean) => {
    verdicts.push({ goal, met });
    return met ? 'met' : '**MISS**';
  };
  const eventsPerContact = result.events / result.contacts;
  const rebuildSeconds = (EXTRAPOLATED_CONTACTS * eventsPerContact) / result.eventsPerSecond;
  const ratio = result.eventsPerSecond / result.floorEventsPerSecond;
  const lines = [
    '## Segments',
    '',
    '| measure | value | goal |',
    '| --- | ---: | --- |',
    `| segments rebuild replay, events per CPU-second on one core (${result.contacts.toLocaleString('en')} contacts, ${result.events.toLocaleString('en')} events, ${result.segments} segments, pure) | ${result.eventsPerSecond.toFixed(0)} | ≥ ${segmentsGoals.minReplayEventsPerSecond}: ${verdict(`segments rebuild replay ${result.eventsPerSecond.toFixed(0)} events per CPU-second (goal ≥ ${segmentsGoals.minReplayEventsPerSecond})`, result.eventsPerSecond >= segmentsGoals.minReplayEventsPerSecond)} |`,
    `| vs rescore's replay of the same events in this run (${result.floorEventsPerSecond.toFixed(0)} events per CPU-second) | ${ratio.toFixed(2)}× | report |`,
    `| a 1M-contact rebuild's replay at this rate (${eventsPerContact.toFixed(1)} events per contact), one core | ${formatDuration(rebuildSeconds)} | report; Mautic: ${MAUTIC_REBUILD_DAYS} days (mautic/mautic#2870) |`,
    '',
    'The replay is the CPU part of `npm run segments -- rebuild`: every contact\'s timeline in processing order, each ' +
      'event re-evaluating the segments it can change, window reviews between events. The rebuild also reads each ' +
      'contact\'s partition (one Query) and writes only the states that differ; that I/O is DynamoDB\'s and is not in ' +
      `this row. ${result.memberships.toLocaleString('en')} memberships at the end.`,
    '',
  ];
  return { markdown: lines.join('\n'), verdicts };
}

function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds.toFixed(0)} s`;
  if (seconds < 7_200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3_600).toFixed(1)} h`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(segmentsSection(benchSegmentsReplay()).markdown);
}
