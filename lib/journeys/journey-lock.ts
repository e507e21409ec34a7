import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { Journey } from '../../functions/journeys/domain/journey-file';
import { unmappedRemovedSteps } from '../../functions/journeys/domain/versions';
import { journeyVersion } from './compiler';

/**
 * `statemachines/journeys.lock.json`: every version of each journey this repository has built, with its step ids.
 * The build writes it (`npm start`, `npm run content`, `cdk synth`) and it is committed, like a package lock: it is
 * how a build knows which steps contacts may still be waiting at, in versions that are gone from the files.
 */
export const LOCK_FILE = 'journeys.lock.json';

const LockedVersion = z.object({ version: z.string(), steps: z.array(z.string()) });
const JourneyLock = z.object({ journeys: z.record(z.string(), z.array(LockedVersion)) });
export type JourneyLock = z.infer<typeof JourneyLock>;

const NOTE =
  'Written by the build (npm start, npm run content, cdk synth); commit it. Every version of each journey built here, with its steps: ' +
  'a journey with on_change: migrate must map each step an earlier version had and it has not (on_change.map).';

/** The lock next to the journey files; empty when there is none yet. */
export function readJourneyLock(dir: string): JourneyLock {
  const file = join(dir, LOCK_FILE);
  if (!existsSync(file)) return { journeys: {} };
  const parsed = JourneyLock.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not a journey lock: ${parsed.error.issues[0]?.message ?? 'invalid'}; delete it to start it again`);
  return parsed.data;
}

/**
 * Problems of `migrate` journeys against the lock: a step an earlier version had, that this one neither has nor maps,
 * would leave the contacts waiting there with nowhere to go.
 */
export function lockProblems(journeys: ReadonlyMap<string, Journey>, lock: JourneyLock): string[] {
  const problems: string[] = [];
  for (const journey of journeys.values()) {
    if (journey.on_change.policy !== 'migrate') continue;
    const versions = lock.journeys[journey.id] ?? [];
    const earlier = [...new Set(versions.flatMap((v) => v.steps))];
    const missing = unmappedRemovedSteps(journey, earlier);
    if (!missing.length) continue;
    const had = (step: string) => versions.filter((v) => v.steps.includes(step)).map((v) => v.version).join(', ');
    // The suggestion: the first step after it, in the latest version that had it, that this version still has.
    const current = new Set(journey.steps.map((step) => step.id));
    const after = (step: string) => {
      const steps = versions.filter((v) => v.steps.includes(step)).at(-1)!.steps;
      return steps.slice(steps.indexOf(step) + 1).find((id) => current.has(id)) ?? journey.steps[0]!.id;
    };
    problems.push(
      `${journey.id}: on_change is migrate, but ${missing.map((step) => `step "${step}" (in version ${had(step)})`).join(' and ')} ` +
        `${missing.length === 1 ? 'is' : 'are'} gone without a mapping: contacts waiting there would have nowhere to go. ` +
        `Map ${missing.length === 1 ? 'it' : 'each'} to a step of this version under on_change.map (e.g. "${missing[0]}: ${after(missing[0]!)}"), or choose keep or drain.`,
    );
  }
  return problems;
}

/** The lock with each journey's current version added (once), as text. */
export function nextJourneyLock(journeys: ReadonlyMap<string, Journey>, lock: JourneyLock): string {
  const next: Record<string, z.infer<typeof LockedVersion>[]> = { ...lock.journeys };
  for (const journey of journeys.values()) {
    const version = journeyVersion(journey);
    const versions = next[journey.id] ?? [];
    if (!versions.some((v) => v.version === version)) next[journey.id] = [...versions, { version, steps: journey.steps.map((step) => step.id) }];
  }
  const sorted = Object.fromEntries(Object.keys(next).sort().map((id) => [id, next[id]!]));
  return `${JSON.stringify({ '//': NOTE, journeys: sorted }, null, 2)}\n`;
}
