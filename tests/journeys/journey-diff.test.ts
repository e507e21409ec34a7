import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { JourneyFile, type Journey } from '../../functions/journeys/domain/journey-file';
import { stageRankOf } from '../../functions/scoring/domain/content';
import { diffJourney, diffSettings, diffSteps, formatDiffs } from '../../lib/journeys/journey-diff';
import { readJourneyExamples } from '../../lib/journeys/journey-examples';
import { journeysDir } from '../../lib/journeys/journey-files';

const shipped = (): Journey => JourneyFile.parse(parse(readFileSync(join(journeysDir, 'budget-router.yaml'), 'utf8')));
/** budget-router with its steps edited by `edit`. */
const edited = (edit: (steps: Record<string, unknown>[]) => Record<string, unknown>[]): Journey => {
  const raw = parse(readFileSync(join(journeysDir, 'budget-router.yaml'), 'utf8')) as { steps: Record<string, unknown>[] };
  return JourneyFile.parse({ ...raw, steps: edit(raw.steps) });
};
/** budget-router with its whole file edited by `edit`. */
const editedFile = (edit: (file: Record<string, unknown> & { steps: Record<string, unknown>[] }) => Record<string, unknown>): Journey =>
  JourneyFile.parse(edit(parse(readFileSync(join(journeysDir, 'budget-router.yaml'), 'utf8')) as Record<string, unknown> & { steps: Record<string, unknown>[] }));
const start = new Date('2026-06-01T14:00:00Z');
const examples = readJourneyExamples().get('budget-router') ?? [];

describe('the steps a journey change adds, removes and changes', () => {
  it('finds nothing between a journey and itself', () => {
    expect(diffSteps(shipped(), shipped())).toEqual([]);
    expect(diffSettings(shipped(), shipped())).toEqual([]);
  });

  it('names the field a changed step changed', () => {
    const after = edited((steps) => steps.map((s) => (s.id === 'wait-click-2' ? { ...s, timeout: '2d' } : s)));
    expect(diffSteps(shipped(), after)).toEqual([{ id: 'wait-click-2', change: 'changed', type: 'wait_for_event', fields: ['timeout'] }]);
  });

  it('sees that an inserted step changes where the step before it goes by position', () => {
    const after = edited((steps) => steps.flatMap((s) => (s.id === 'nurture-1' ? [s, { id: 'pause', type: 'wait', duration: '1d' }] : [s])));
    expect(diffSteps(shipped(), after)).toEqual([
      { id: 'nurture-1', change: 'changed', type: 'send_email', fields: ['next (by position)'] },
      { id: 'pause', change: 'added', type: 'wait' },
    ]);
  });

  it('lists a removed step after the others, and the step that led to it as changed', () => {
    const after = edited((steps) => steps.filter((s) => s.id !== 'rep-will-call'));
    expect(diffSteps(shipped(), after)).toEqual([
      { id: 'hand-off-to-sales', change: 'changed', type: 'hand_off', fields: ['next (by position)'] },
      { id: 'rep-will-call', change: 'removed', type: 'send_email' },
    ]);
  });

  it('reports journey-level settings that changed', () => {
    expect(diffSettings(shipped(), { ...shipped(), entry: { mode: 'once', where: [] } })).toEqual(['entry']);
  });
});

describe('the outcomes a journey change alters, over the shipped example contacts', () => {
  it('ships examples for budget-router', () => {
    expect(examples.map((e) => e.name)).toContain('big budget, handed to sales');
  });

  it('shows who is affected by raising the budget threshold, and no one else', async () => {
    const after = edited((steps) =>
      steps.map((s) => (s.id === 'route-by-budget' ? { ...s, cases: [{ when: ['budget >= 10000'], next: 'hand-off-to-sales' }] } : s)),
    );
    const diff = await diffJourney(shipped(), after, examples, { start, stageRank: stageRankOf });
    expect(diff.change).toBe('changed');
    expect(diff.examplesRun).toBe(examples.length);
    // $5,000 used to go to sales; now it is nurtured. $12,000 still goes to sales; small budgets are unchanged.
    expect(diff.outcomes.map((o) => o.example)).toEqual(['exactly $5,000']);
    const [change] = diff.outcomes;
    expect(change?.before.handOffs).toBe(1);
    expect(change?.after.handOffs).toBe(0);
    expect(change?.after.sends[0]).toMatch(/^nurture-1 /);
  });

  it('shows a shorter wait moving the later sends earlier', async () => {
    const after = edited((steps) => steps.map((s) => (s.id === 'wait-click-2' ? { ...s, timeout: '2d' } : s)));
    const diff = await diffJourney(shipped(), after, examples, { start, stageRank: stageRankOf });
    const neverClicks = diff.outcomes.find((o) => o.example === 'small budget, never clicks');
    expect(neverClicks?.before.sends).toContain('nurture-3 (+1w)');
    expect(neverClicks?.after.sends).toContain('nurture-3 (+5d)');
  });

  it('treats a new journey file as added, every step with it, and runs nothing', async () => {
    const diff = await diffJourney(undefined, shipped(), examples, { start });
    expect(diff).toMatchObject({ change: 'added', examplesRun: 0 });
    expect(diff.steps.every((s) => s.change === 'added')).toBe(true);
  });
});

describe('the diff as text and as a pull-request comment', () => {
  it('prints the changes, the outcomes and, from a deployment, who waits at the affected steps', async () => {
    const after = edited((steps) => steps.filter((s) => s.id !== 'rep-will-call'));
    const diff = await diffJourney(shipped(), after, examples, { start, stageRank: stageRankOf });
    const markdown = formatDiffs([diff], { markdown: true, waiting: new Map([['budget-router', { 'rep-will-call': 0, 'wait-click-1': 3 }]]) });
    expect(markdown).toContain('### Journey `budget-router` (changed)');
    expect(markdown).toContain('➖ step `rep-will-call` (send_email) removed');
    expect(markdown).toContain('outcome changes for **big budget, handed to sales**');
    expect(markdown).toContain('**In the journey now:** 3 contacts');
    expect(markdown).toContain('rep-will-call (removed): 0 waiting');
    const text = formatDiffs([diff], { markdown: false });
    expect(text).toContain('- rep-will-call (send_email) removed');
    expect(text).not.toContain('###');
  });

  it('tells, per policy, what happens to the contacts at each changed or removed step and to everyone else', async () => {
    const removed = (steps: Record<string, unknown>[]) => steps.filter((s) => s.id !== 'wait-click-3');
    const waiting = new Map([['budget-router', { 'wait-click-1': 4, 'wait-click-3': 2 }]]);
    const render = async (onChange: unknown) => {
      const after = editedFile((file) => ({ ...file, steps: removed(file.steps), on_change: onChange }));
      const diff = await diffJourney(shipped(), after, [], { start: new Date('2026-12-01T00:00:00Z') });
      return formatDiffs([diff], { markdown: false, waiting });
    };

    expect(await render('keep')).toContain('wait-click-3 (removed): 2 waiting — they finish on the version they entered (keep)');
    expect(await render('drain')).toMatch(/wait-click-3 \(removed\): 2 waiting — they leave the journey, reason drained \(drain\)[\s\S]*the other 4: they leave the journey/);
    const migrate = await render({ policy: 'migrate', map: { 'wait-click-3': 'nurture-4' } });
    expect(migrate).toMatch(/version [0-9a-f]{8} → [0-9a-f]{8}; on change: migrate \(wait-click-3 → nurture-4\)/);
    expect(migrate).toContain('wait-click-3 (removed): 2 waiting — they move to nurture-4, as mapped (migrate)');
    expect(migrate).toContain('the other 4: they move to the same step of the new version, with what is left of their wait (migrate)');
  });

  it('says no one moves when only the description or the policy changed (the same version)', async () => {
    const after = editedFile((file) => ({ ...file, description: 'reworded', on_change: 'drain' }));

    const text = formatDiffs([await diffJourney(shipped(), after, [], { start: new Date('2026-12-01T00:00:00Z') })], { markdown: false });

    expect(text).toMatch(/version [0-9a-f]{8} \(unchanged: no one moves\)/);
  });

  it('says so when nothing changed', () => {
    expect(formatDiffs([{ journeyId: 'x', change: 'unchanged', settings: [], steps: [], outcomes: [], examplesRun: 0 }], { markdown: false })).toBe('No journey changes.');
  });
});
