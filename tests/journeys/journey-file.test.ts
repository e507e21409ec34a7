import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { emails } from '../../functions/email/templates';
import { forms } from '../../functions/forms/forms';
import { all, evaluate, parseCondition, type Condition } from '../../functions/shared/conditions';
import { formatDuration, parseDuration } from '../../functions/shared/durations';
import { loadJourneys } from '../../functions/journeys/domain/journey-file';
import { journeys as shipped } from '../../functions/journeys/journeys';
import { lifecycle, stageRankOf } from '../../functions/scoring/domain/content';
import {
  buildJourneys,
  contentContext,
  generatedJourneys,
  generatedJourneysFile,
  journeyJsonSchema,
  journeySchemaFile,
  readJourneyFiles,
} from '../../lib/journeys/journey-files';
import { validateJourney, type ValidationContext } from '../../lib/journeys/validate';

/** A valid journey file (as YAML parses it), with overrides. */
function journeyFile(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'test-journey',
    name: 'Test journey',
    triggers: [{ on: 'webhook' }],
    steps: [
      { id: 'hello', type: 'send_email', template: 'welcome' },
      { id: 'pause', type: 'wait', duration: '1d' },
      { id: 'bye', type: 'send_email', template: 'tips-day-2' },
    ],
    ...overrides,
  };
}

/** The message loadJourneys throws for one file, or undefined when it loads. */
function loadError(content: Record<string, unknown>, file = 'test-journey.yaml'): string | undefined {
  try {
    loadJourneys({ [file]: content });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const realContext: ValidationContext = {
  templates: new Set(emails.templates.map((t) => t.id)),
  forms: new Set(forms.keys()),
  stages: new Set(lifecycle.stages.map((s: { id: string }) => s.id)),
};

function condition(text: string): Condition {
  const parsed = parseCondition(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}

describe('loading journey files', () => {
  it('loads a valid journey file with defaults filled in', () => {
    // Act
    const journeys = loadJourneys({ 'test-journey.yaml': journeyFile() });

    // Assess
    const journey = journeys.get('test-journey')!;
    expect(journey.entry).toEqual({ mode: 'once', where: [] });
    expect(journey.timezone).toBe('UTC');
    expect(journey.steps[1]).toMatchObject({ type: 'wait', duration: 86_400 });
  });

  it('names the file, the path and the missing target when a step goes to a step that does not exist', () => {
    // Prepare
    const file = journeyFile({
      steps: [
        { id: 'hello', type: 'send_email', template: 'welcome' },
        { id: 'pause', type: 'wait', duration: '1d' },
        { id: 'bye', type: 'send_email', template: 'tips-day-2', next: 'nowhere' },
      ],
    });

    // Act
    const message = loadError(file);

    // Assess
    expect(message).toContain('test-journey.yaml');
    expect(message).toContain('steps.2.next: no step "nowhere"');
  });

  it('names the branch case whose target does not exist', () => {
    const file = journeyFile({
      steps: [
        { id: 'route', type: 'branch', cases: [{ when: ['budget >= 5000'], next: 'sales' }], otherwise: 'hello' },
        { id: 'hello', type: 'send_email', template: 'welcome' },
      ],
    });

    expect(loadError(file)).toContain('steps.0.cases.0.next: no step "sales"');
  });

  it('reports a duplicate step id at the second occurrence', () => {
    const file = journeyFile({
      steps: [
        { id: 'hello', type: 'send_email', template: 'welcome' },
        { id: 'hello', type: 'wait', duration: '1d' },
      ],
    });

    expect(loadError(file)).toContain('steps.1.id: duplicate step id "hello"');
  });

  it('explains how to write a duration when one is not', () => {
    const file = journeyFile({ steps: [{ id: 'pause', type: 'wait', duration: '3 days' }] });

    const message = loadError(file);

    expect(message).toContain('test-journey.yaml');
    expect(message).toContain('steps.0.duration: a duration is a number and a unit: 30m, 12h, 2d, 1w');
  });

  it('refuses a wait of zero', () => {
    const file = journeyFile({ steps: [{ id: 'pause', type: 'wait', duration: '0d' }] });

    expect(loadError(file)).toContain('steps.0.duration: must be longer than zero');
  });

  it('quotes a condition it cannot read and lists the operators', () => {
    const file = journeyFile({ triggers: [{ on: 'form_submitted', form: 'demo-request', where: ['budget is big'] }] });

    const message = loadError(file);

    expect(message).toContain('triggers.0.where.0: "budget is big" is not a condition');
    expect(message).toContain('contains in exists missing');
  });

  it('refuses a number written with thousands separators rather than never matching it', () => {
    const file = journeyFile({ triggers: [{ on: 'form_submitted', form: 'demo-request', where: ['budget < 5,000'] }] });

    expect(loadError(file)).toContain('triggers.0.where.0: "budget < 5,000": write numbers without separators, e.g. 5000');
  });

  it('says what split percentages add up to when it is not 100', () => {
    const file = journeyFile({
      steps: [
        { id: 'ab', type: 'split', paths: [{ percent: 50, next: 'a' }, { percent: 40, next: 'b' }] },
        { id: 'a', type: 'send_email', template: 'welcome' },
        { id: 'b', type: 'send_email', template: 'tips-day-2' },
      ],
    });

    expect(loadError(file)).toContain('steps.0.paths: percentages add up to 90, not 100');
  });

  it('asks for a cool-down duration when entry mode is cooldown', () => {
    const file = journeyFile({ entry: { mode: 'cooldown' } });

    expect(loadError(file)).toContain('entry.cooldown: cooldown entry needs a cooldown duration');
  });

  it('refuses an overnight send window, which would never hold', () => {
    const file = journeyFile({ steps: [{ id: 'morning', type: 'wait_until', window: { hours: '22:00-06:00' } }] });

    expect(loadError(file)).toContain('steps.0.window.hours: the window must start before it ends');
  });

  it('refuses the same journey id in two files, naming the second', () => {
    const act = () => loadJourneys({ 'a.yaml': journeyFile(), 'b.yaml': journeyFile() });

    expect(act).toThrow('Journey id "test-journey" is declared twice (b.yaml)');
  });

  it('refuses a wait_until with both an attribute and a window', () => {
    const file = journeyFile({
      steps: [{ id: 'until', type: 'wait_until', attribute: 'trial_ends_at', window: { hours: '08:00-10:00' } }],
    });

    expect(loadError(file)).toContain('wait_until takes either an attribute or a window');
  });
});

describe('the shipped journeys', () => {
  it('ships the four journeys of the issue', () => {
    expect([...shipped.keys()].sort()).toEqual(['budget-router', 'cart-recovery', 'recycle-nurture', 'sms-cart-nudge', 'trial-expiry', 'webinar-follow-up', 'welcome']);
  });

  it.each(['budget-router', 'cart-recovery', 'recycle-nurture', 'sms-cart-nudge', 'trial-expiry', 'webinar-follow-up', 'welcome'])('%s passes validation against the real templates, forms and stages', (id) => {
    // Act
    const problems = validateJourney(shipped.get(id)!, realContext);

    // Assess
    expect(problems).toEqual([]);
  });

  it('names every file after the journey id it declares', () => {
    const files = readJourneyFiles();

    for (const [file, content] of Object.entries(files)) expect(file).toBe(`${(content as { id: string }).id}.yaml`);
  });

  it('ships a generated module that matches statemachines/*.yaml (npm start and cdk synth regenerate it)', () => {
    expect(readFileSync(generatedJourneysFile, 'utf8')).toBe(generatedJourneys().text);
  });

  it('ships a JSON Schema for editors that matches the zod schema', () => {
    expect(readFileSync(journeySchemaFile, 'utf8')).toBe(journeyJsonSchema());
  });
});

describe('building journeys (npm start, cdk synth, npm run content)', () => {
  it('reads the same templates, forms and stages from content/ as the functions bundle', () => {
    // Act
    const context = contentContext();

    // Assess
    expect([...context.templates].sort()).toEqual([...realContext.templates].sort());
    expect([...context.forms].sort()).toEqual([...realContext.forms].sort());
    expect(context.stages).toEqual(new Set([...realContext.stages!, 'recycled', 'disqualified']));
  });

  it('fails the build, naming the journey, step and template, when a journey sends a template that does not exist', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'journeys-'));
    const generatedBefore = readFileSync(generatedJourneysFile, 'utf8');
    writeFileSync(
      join(dir, 'test-journey.yaml'),
      stringify(journeyFile({ steps: [{ id: 'hello', type: 'send_email', template: 'no-such-template' }] })),
    );

    try {
      // Act & Assess
      expect(() => buildJourneys(dir)).toThrow(
        'Journey files have problems:\n  - test-journey: step "hello" sends template "no-such-template", which is not in content/emails',
      );
      expect(readFileSync(generatedJourneysFile, 'utf8')).toBe(generatedBefore);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails the build on a step no path reaches', () => {
    const dir = mkdtempSync(join(tmpdir(), 'journeys-'));
    writeFileSync(
      join(dir, 'test-journey.yaml'),
      stringify(
        journeyFile({
          steps: [
            { id: 'hello', type: 'send_email', template: 'welcome', next: 'done' },
            { id: 'orphan', type: 'send_email', template: 'tips-day-2' },
            { id: 'done', type: 'exit' },
          ],
        }),
      ),
    );

    try {
      expect(() => generatedJourneys(dir)).toThrow('test-journey: step "orphan" cannot be reached from the first step');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('validating journeys beyond the schema', () => {
  it('finds a step no path reaches', () => {
    // Prepare
    const journey = loadJourneys({
      'x.yaml': journeyFile({
        steps: [
          { id: 'hello', type: 'send_email', template: 'welcome', next: 'done' },
          { id: 'orphan', type: 'send_email', template: 'tips-day-2' },
          { id: 'done', type: 'exit' },
        ],
      }),
    }).get('test-journey')!;

    // Act
    const problems = validateJourney(journey, realContext);

    // Assess
    expect(problems).toEqual(['test-journey: step "orphan" cannot be reached from the first step']);
  });

  it('finds a template and a form that do not exist', () => {
    const journey = loadJourneys({
      'x.yaml': journeyFile({
        triggers: [{ on: 'form_submitted', form: 'no-such-form' }],
        steps: [{ id: 'hello', type: 'send_email', template: 'no-such-template' }],
      }),
    }).get('test-journey')!;

    const problems = validateJourney(journey, realContext);

    expect(problems).toEqual([
      'test-journey: step "hello" sends template "no-such-template", which is not in content/emails',
      'test-journey: trigger on form "no-such-form", which is not in content/forms',
    ]);
  });

  it('finds an update-contact step that sets a stage the funnel does not have', () => {
    const journey = loadJourneys({
      'x.yaml': journeyFile({ steps: [{ id: 'promote', type: 'update_contact', stage: 'whale' }] }),
    }).get('test-journey')!;

    expect(validateJourney(journey, realContext)).toEqual(['test-journey: step "promote" sets stage "whale", which is not in content/lifecycle.yaml']);
  });

  it('finds a stage trigger on a stage the funnel does not have', () => {
    const journey = loadJourneys({ 'x.yaml': journeyFile({ triggers: [{ on: 'stage_entered', stage: 'whale' }] }) }).get('test-journey')!;

    expect(validateJourney(journey, realContext)).toEqual(['test-journey: trigger on stage "whale", which is not in content/lifecycle.yaml']);
  });

  it('finds a loop that can run without a wait', () => {
    // Prepare: route → tag → route, with nothing that waits in between
    const journey = loadJourneys({
      'x.yaml': journeyFile({
        steps: [
          { id: 'route', type: 'branch', cases: [{ when: ['tags missing'], next: 'tag' }], otherwise: 'done' },
          { id: 'tag', type: 'update_contact', add_tags: ['looped'], next: 'route' },
          { id: 'done', type: 'exit' },
        ],
      }),
    }).get('test-journey')!;

    // Act
    const problems = validateJourney(journey, realContext);

    // Assess
    expect(problems).toEqual(['test-journey: steps route → tag loop without a wait']);
  });

  it('accepts a loop that passes through a wait', () => {
    const journey = loadJourneys({
      'x.yaml': journeyFile({
        steps: [
          { id: 'route', type: 'branch', cases: [{ when: ['tags missing'], next: 'pause' }], otherwise: 'done' },
          { id: 'pause', type: 'wait', duration: '1d', next: 'route' },
          { id: 'done', type: 'exit' },
        ],
      }),
    }).get('test-journey')!;

    expect(validateJourney(journey, realContext)).toEqual([]);
  });
});

describe('conditions', () => {
  const contact = (values: Record<string, unknown>) => (subject: string) => values[subject];
  const funnel = ['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer'];
  const rank = (stage: string) => (funnel.includes(stage) ? funnel.indexOf(stage) : undefined);

  it('parses a numeric comparison into a number', () => {
    expect(parseCondition('budget < 5000')).toEqual({ subject: 'budget', op: '<', value: 5000, text: 'budget < 5000' });
  });

  it('compares numbers, also when the form stored the answer as text', () => {
    const under = condition('budget < 5000');

    expect(evaluate(under, contact({ budget: 4999 }))).toBe(true);
    expect(evaluate(under, contact({ budget: '4999' }))).toBe(true);
    expect(evaluate(under, contact({ budget: 5000 }))).toBe(false);
    expect(evaluate(condition('budget >= 5000'), contact({ budget: 10_000 }))).toBe(true);
  });

  it('holds no comparison on a missing or non-numeric answer except !=', () => {
    expect(evaluate(condition('budget < 5000'), contact({}))).toBe(false);
    expect(evaluate(condition('budget < 5000'), contact({ budget: 'a lot' }))).toBe(false);
    expect(evaluate(condition('budget != 5000'), contact({}))).toBe(true);
  });

  it('compares strings without regard to case', () => {
    expect(evaluate(condition('country == fr'), contact({ country: 'FR' }))).toBe(true);
    expect(evaluate(condition('country != fr'), contact({ country: 'Fr' }))).toBe(false);
    expect(evaluate(condition('plan == "Pro Plus"'), contact({ plan: 'pro plus' }))).toBe(true);
  });

  it('checks membership of a list with in, as == would compare each item', () => {
    const inEurope = condition('country in [FR, DE]');

    expect(inEurope.value).toEqual(['FR', 'DE']);
    expect(evaluate(inEurope, contact({ country: 'DE' }))).toBe(true);
    expect(evaluate(inEurope, contact({ country: 'de' }))).toBe(true);
    expect(evaluate(inEurope, contact({ country: 'US' }))).toBe(false);
    expect(evaluate(condition('seats in [5, 10]'), contact({ seats: 10 }))).toBe(true);
  });

  it('looks for a tag with contains', () => {
    const vip = condition('tags contains vip');

    expect(evaluate(vip, contact({ tags: ['early', 'vip'] }))).toBe(true);
    expect(evaluate(vip, contact({ tags: ['early'] }))).toBe(false);
    expect(evaluate(vip, contact({ tags: [] }))).toBe(false);
  });

  it('tells a present answer from a missing or blank one', () => {
    expect(evaluate(condition('phone exists'), contact({ phone: '+33 6 12 34 56 78' }))).toBe(true);
    expect(evaluate(condition('phone exists'), contact({ phone: '' }))).toBe(false);
    expect(evaluate(condition('phone missing'), contact({}))).toBe(true);
    expect(evaluate(condition('phone missing'), contact({ phone: 'x' }))).toBe(false);
  });

  it('compares stages by their order in the funnel', () => {
    const sqlOrLater = condition('stage >= sql');

    expect(evaluate(sqlOrLater, contact({ stage: 'opportunity' }), rank)).toBe(true);
    expect(evaluate(sqlOrLater, contact({ stage: 'sql' }), rank)).toBe(true);
    expect(evaluate(sqlOrLater, contact({ stage: 'mql' }), rank)).toBe(false);
    expect(evaluate(sqlOrLater, contact({}), rank)).toBe(false);
  });

  it('orders the shipped funnel with stageRankOf', () => {
    expect(evaluate(condition('stage >= sql'), contact({ stage: 'customer' }), stageRankOf)).toBe(true);
    expect(evaluate(condition('stage >= sql'), contact({ stage: 'lead' }), stageRankOf)).toBe(false);
  });

  it('holds a list of conditions only when every one does, and an empty list always', () => {
    const both = [condition('budget < 5000'), condition('country == fr')];

    expect(all(both, contact({ budget: 100, country: 'FR' }))).toBe(true);
    expect(all(both, contact({ budget: 100, country: 'DE' }))).toBe(false);
    expect(all([], contact({}))).toBe(true);
  });

  it.each([
    ['budget', 'is not a condition'],
    ['phone exists yes', '"exists" takes no value'],
    ['budget <', '"<" needs a value'],
    ['country in FR', '"in" takes a list'],
  ])('explains what is wrong with "%s"', (text, expected) => {
    const parsed = parseCondition(text);

    expect('error' in parsed && parsed.error).toContain(expected);
  });
});

describe('durations', () => {
  it.each([
    ['30s', 30],
    ['30m', 1_800],
    ['12h', 43_200],
    ['2d', 172_800],
    ['1w', 604_800],
    ['-3d', -259_200],
    [' 4d ', 345_600],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['3 days', '1.5h', 'd', '', '10y'])('refuses "%s"', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('writes durations back in the largest whole unit', () => {
    expect(formatDuration(259_200)).toBe('3d');
    expect(formatDuration(-259_200)).toBe('-3d');
    expect(formatDuration(1_209_600)).toBe('2w');
    expect(formatDuration(5_400)).toBe('90m');
    expect(formatDuration(45)).toBe('45s');
  });
});
