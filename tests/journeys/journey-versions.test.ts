import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { loadJourneys, type Journey } from '../../functions/journeys/domain/journey-file';
import { migratedExecutionName, migrationTarget, readVersionFacts, RESUME_ENTRY, resumeAt, waitPosition } from '../../functions/journeys/domain/versions';
import { compileJourney, journeyVersion } from '../../lib/journeys/compiler';
import { generatedJourneys, journeysDir } from '../../lib/journeys/journey-files';
import { LOCK_FILE } from '../../lib/journeys/journey-lock';
import { simulate } from '../../lib/journeys/simulator';
import { stageRankOf } from '../../functions/scoring/domain/content';

/** budget-router as shipped, parsed from its file: each test edits a copy. */
const shippedFile = () => parse(readFileSync(join(journeysDir, 'budget-router.yaml'), 'utf8')) as Record<string, unknown> & { steps: Record<string, unknown>[] };
const load = (file: Record<string, unknown>): Journey => loadJourneys({ 'budget-router.yaml': file }).get('budget-router')!;
const withoutStep = (file: ReturnType<typeof shippedFile>, id: string) => ({
  ...file,
  steps: file.steps.filter((step) => step.id !== id).map((step) => (step.on_event === id ? { ...step, on_event: undefined } : step)),
});

const dirs: string[] = [];
/** A statemachines folder holding one journey file and the lock of the shipped version (as a repository would). */
function folder(file: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'journey-versions-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'budget-router.yaml'), stringify(file));
  const shippedLock = JSON.parse(readFileSync(join(journeysDir, LOCK_FILE), 'utf8')) as { journeys: Record<string, unknown> };
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ journeys: { 'budget-router': shippedLock.journeys['budget-router'] } }));
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('on_change in a journey file', () => {
  it('is keep unless the file says otherwise, and takes the short form "on_change: drain"', () => {
    expect(load(shippedFile()).on_change).toEqual({ policy: 'keep', map: {} });
    expect(load({ ...shippedFile(), on_change: 'drain' }).on_change).toEqual({ policy: 'drain', map: {} });
  });

  it('refuses a mapping from a step that still exists, or to a step that does not', () => {
    expect(() => load({ ...shippedFile(), on_change: { policy: 'migrate', map: { 'nurture-1': 'nurture-2' } } })).toThrow('step "nurture-1" still exists');
    expect(() => load({ ...withoutStep(shippedFile(), 'wait-click-3'), on_change: { policy: 'migrate', map: { 'wait-click-3': 'nowhere' } } })).toThrow('no step "nowhere"');
  });
});

describe('building a changed journey against the versions lock', () => {
  it('fails a migrate journey that removed a step without a mapping, naming the step, its version and the fix', () => {
    const dir = folder({ ...withoutStep(shippedFile(), 'wait-click-3'), on_change: 'migrate' });

    expect(() => generatedJourneys(dir)).toThrow(
      new RegExp(`budget-router: on_change is migrate, but step "wait-click-3" \\(in version ${journeyVersion(load(shippedFile()))}\\) is gone without a mapping.*on_change.map`),
    );
  });

  it('builds it once the step is mapped, and locks the new version beside the old one', () => {
    const file = { ...withoutStep(shippedFile(), 'wait-click-3'), on_change: { policy: 'migrate', map: { 'wait-click-3': 'nurture-4' } } };
    const dir = folder(file);

    const { lock } = generatedJourneys(dir);

    const versions = (JSON.parse(lock) as { journeys: Record<string, { version: string; steps: string[] }[]> }).journeys['budget-router']!;
    expect(versions.map((v) => v.version)).toEqual([journeyVersion(load(shippedFile())), journeyVersion(load(file))]);
    expect(versions[1]!.steps).not.toContain('wait-click-3');
  });

  it('lets keep and drain journeys drop steps: their contacts finish on, or leave, the version they are in', () => {
    expect(() => generatedJourneys(folder(withoutStep(shippedFile(), 'wait-click-3')))).not.toThrow();
    expect(() => generatedJourneys(folder({ ...withoutStep(shippedFile(), 'wait-click-3'), on_change: 'drain' }))).not.toThrow();
  });

  it('keeps the committed lock current with the shipped journeys', () => {
    expect(readFileSync(join(journeysDir, LOCK_FILE), 'utf8')).toBe(generatedJourneys().lock);
  });
});

describe('compiled versions', () => {
  it('names the version, the policy and the map in the definition, where the migrator reads them', () => {
    const journey = load({ ...withoutStep(shippedFile(), 'wait-click-3'), on_change: { policy: 'migrate', map: { 'wait-click-3': 'nurture-4' } } });

    const facts = readVersionFacts(compileJourney(journey).Comment);

    expect(facts).toEqual({ journeyId: 'budget-router', version: journeyVersion(journey), policy: 'migrate', map: { 'wait-click-3': 'nurture-4' } });
  });

  it('keeps the version when only the name, description or policy change, and changes it when a wait does', () => {
    const base = journeyVersion(load(shippedFile()));

    expect(journeyVersion(load({ ...shippedFile(), description: 'reworded', on_change: 'migrate' }))).toBe(base);
    const longer = { ...shippedFile(), steps: shippedFile().steps.map((s) => (s.id === 'wait-click-1' ? { ...s, timeout: '5d' } : s)) };
    expect(journeyVersion(load(longer))).not.toBe(base);
  });

  it('compiles a resume entry and resumed waits only under migrate; a keep journey starts at its first step', () => {
    const kept = compileJourney(load(shippedFile()));
    const migrating = compileJourney(load({ ...shippedFile(), on_change: 'migrate' }));

    expect(kept.StartAt).toBe('route-by-budget');
    expect(Object.keys(kept.States).filter((name) => name.endsWith('.resume'))).toEqual([]);
    expect(migrating.StartAt).toBe(RESUME_ENTRY);
    expect(migrating.States['wait-click-1.resume']).toMatchObject({ Type: 'Task', TimeoutSecondsPath: '$.resume.remainingSeconds', Next: 'demo-offer' });
    expect((migrating.States['wait-click-1.resume'] as { Parameters: { Payload: Record<string, unknown> } }).Parameters.Payload['timeoutSeconds.$']).toBe('$.resume.remainingSeconds');
  });
});

describe('simulating a migrate journey', () => {
  it('starts a fresh entry at the first step: the resume entry is no step of its path', async () => {
    const result = await simulate(load({ ...shippedFile(), on_change: 'migrate' }), { contact: { attributes: { budget: 9_000 } }, events: [], stageRank: stageRankOf, start: new Date('2026-12-01T15:00:00Z') });

    expect(result.path[0]?.state).toBe('route-by-budget');
    expect(result.path.map((step) => step.state)).not.toContain(RESUME_ENTRY);
  });
});

describe('where a waiting contact goes', () => {
  const states = compileJourney(load({ ...shippedFile(), on_change: 'migrate' })).States;
  const entered = new Date('2026-12-01T00:00:00Z');

  it('reads a wait for an event as waiting at its step until the timeout', () => {
    const position = waitPosition(states, { state: 'wait-click-1', at: entered, input: {} });

    expect(position).toEqual({ type: 'Waiting', stepId: 'wait-click-1', state: 'wait-click-1', until: new Date('2026-12-04T00:00:00Z') });
  });

  it('reads a send waiting for its window as waiting at the send, which starts again (it has not sent)', () => {
    const position = waitPosition(states, { state: 'nurture-1.window', at: entered, input: { last: { until: '2026-12-01T08:00:00Z' } } });

    expect(position).toEqual({ type: 'Waiting', stepId: 'nurture-1', state: 'nurture-1.window' });
    expect(resumeAt(states, 'nurture-1', position as Extract<typeof position, { type: 'Waiting' }>, entered)).toEqual({ state: 'nurture-1' });
  });

  it('reads a task under way as busy', () => {
    expect(waitPosition(states, { state: 'nurture-2', at: entered, input: {} })).toEqual({ type: 'Busy', state: 'nurture-2' });
  });

  it('carries what is left of the wait to the same step of the new version', () => {
    const position = waitPosition(states, { state: 'wait-click-1', at: entered, input: {} }) as Extract<ReturnType<typeof waitPosition>, { type: 'Waiting' }>;

    const resume = resumeAt(states, 'wait-click-1', position, new Date('2026-12-02T00:00:00Z'));

    expect(resume).toEqual({ state: 'wait-click-1.resume', until: '2026-12-04T00:00:00.000Z', remainingSeconds: 2 * 86_400 });
  });

  it('goes to the same step when it exists, else where the map says, else nowhere', () => {
    const live = { steps: [{ id: 'a' }, { id: 'b' }], map: { gone: 'b' } };

    expect(migrationTarget(live, 'a')).toBe('a');
    expect(migrationTarget(live, 'gone')).toBe('b');
    expect(migrationTarget(live, 'other')).toBeUndefined();
  });

  it('names the migrated execution after the old one and the version, within 80 characters, the same every run', () => {
    const long = `budget-router-01JCONTACT0000000000000000-${'x'.repeat(40)}`.slice(0, 80);

    const name = migratedExecutionName(long, 'abcdef12');

    expect(name).toHaveLength(80);
    expect(name.endsWith('_vabcdef12')).toBe(true);
    expect(migratedExecutionName(name, '12345678')).toBe(`${long.slice(0, 70)}_v12345678`);
    expect(migratedExecutionName(long, 'abcdef12')).toBe(name);
  });
});
