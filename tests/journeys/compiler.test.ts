import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { loadJourneys, type Journey } from '../../functions/journeys/domain/journey-file';
import { journeys } from '../../functions/journeys/journeys';
import { HAND_OFF_BUSY, RETRYABLE_TASK_ERRORS } from '../../functions/shared/tasks';
import {
  END_STATE,
  FAILED_END_STATE,
  FAILED_STATE,
  FAILED_UNRECORDED_STATE,
  compileJourney,
  functionsUsed,
  substitute,
  type AslDefinition,
  type AslState,
} from '../../lib/journeys/compiler';

const arn = (fn: string) => `arn:aws:lambda:us-east-1:123456789012:function:${fn}`;
const arns = { sendEmail: arn('sendEmail'), sendSms: arn('sendSms'), handOff: arn('handOff'), journeyStep: arn('journeyStep') };

const shipped = [...journeys.values()];
const budgetRouter = compileJourney(journeys.get('budget-router')!);

function journeyOf(steps: unknown[]): Journey {
  return loadJourneys({ 'j.yaml': { id: 'j', name: 'J', triggers: [{ on: 'webhook' }], steps } }).get('j')!;
}

const tasks = (definition: AslDefinition) => Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');

/**
 * Walks a compiled journey the way an execution would and lists the states it enters (each is one billed state
 * transition). `route` says where a Choice or a wait for an event goes; anything else follows Next/Default.
 */
function walk(definition: AslDefinition, route: Readonly<Record<string, string>> = {}): string[] {
  const entered: string[] = [];
  let name: string | undefined = definition.StartAt;
  while (name !== undefined) {
    if (entered.length > 100) throw new Error(`no end after ${entered.join(' → ')}`);
    entered.push(name);
    const state: AslState = definition.States[name]!;
    if (state.Type === 'Succeed' || state.Type === 'Fail' || state.End === true) return entered;
    name = route[name] ?? ((state.Type === 'Choice' ? state.Default : state.Next) as string | undefined);
  }
  return entered;
}

/** Where a wait for an event's timeout goes. */
function timeoutTarget(state: AslState): string {
  const catches = state.Catch as { ErrorEquals: string[]; Next: string }[];
  return catches.find((c) => c.ErrorEquals.includes('States.Timeout'))!.Next;
}

describe('the journey compiler', () => {
  it.each(shipped.map((j) => [j.id, j] as const))('compiles %s to ASL that asl-validator accepts', (_id, journey) => {
    // Act
    const definition = substitute(compileJourney(journey), arns);

    // Assess
    const result = aslValidator(definition);
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('compiles each journey to a small number of states, none of them Pass states', () => {
    // Act
    const counts = Object.fromEntries(shipped.map((j) => [j.id, Object.keys(compileJourney(j).States).length]));
    const passStates = shipped.flatMap((j) => Object.values(compileJourney(j).States).filter((s) => s.Type === 'Pass'));

    // Assess: the numbers the report quotes; a change here changes what every contact costs
    // (each send has two states only a contact with a pending double opt-in enters: the wait and the exit)
    expect(counts).toEqual({ 'webinar-follow-up': 10, 'budget-router': 43, 'cart-recovery': 16, 'recycle-nurture': 29, 'sms-cart-nudge': 11, 'trial-expiry': 16, welcome: 27 });
    expect(passStates).toEqual([]);
  });

  it('is deterministic: the same file gives the same ASL', () => {
    const journey = journeys.get('welcome')!;

    expect(JSON.stringify(compileJourney(journey))).toBe(JSON.stringify(compileJourney(journey)));
  });

  it.each(shipped.map((j) => [j.id, j] as const))('gives every Task in %s retries with backoff and jitter for throttling and transient Lambda errors', (_id, journey) => {
    // Act
    const taskStates = tasks(compileJourney(journey));

    // Assess
    expect(taskStates.length).toBeGreaterThan(0);
    for (const [, state] of taskStates) {
      const [retry] = state.Retry as Record<string, unknown>[];
      expect(retry!.ErrorEquals).toEqual(expect.arrayContaining(['SesThrottled', 'CrmUnavailable', 'Lambda.ServiceException', 'Lambda.TooManyRequestsException', ...RETRYABLE_TASK_ERRORS]));
      expect(retry!.BackoffRate).toBeGreaterThan(1);
      expect(retry!.JitterStrategy).toBe('FULL');
      expect(retry!.MaxAttempts).toBeGreaterThan(1);
      expect(retry!.ErrorEquals).not.toContain('States.ALL');
      // A hand-off busy with another one of the contact is tried evenly until the other's lease has surely run out.
      expect(state.Retry).toContainEqual({ ErrorEquals: [HAND_OFF_BUSY.error], IntervalSeconds: 10, MaxAttempts: 9, BackoffRate: 1 });
      expect(retry!.ErrorEquals).not.toContain(HAND_OFF_BUSY.error);
    }
  });

  it.each(shipped.map((j) => [j.id, j] as const))('catches every failing step of %s into journey.failed, which records it and fails', (_id, journey) => {
    // Act
    const definition = compileJourney(journey);

    // Assess
    for (const [name, state] of tasks(definition)) {
      if (name === FAILED_STATE) continue;
      expect(state.Catch, name).toContainEqual({ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: FAILED_STATE });
    }
    const failed = definition.States[FAILED_STATE]!;
    expect(failed).toMatchObject({ Type: 'Task', Resource: '${journeyStep}', Next: FAILED_END_STATE });
    expect(failed.Parameters).toMatchObject({ op: 'recordFailure', 'error.$': '$.error', journeyId: journey.id });
    expect(failed.Retry).toBeDefined();
    expect(definition.States[FAILED_END_STATE]).toMatchObject({ Type: 'Fail', Error: 'JourneyStepFailed' });
  });

  it.each(shipped.map((j) => [j.id, j] as const))('ends %s in a Fail state when recording a failure fails after its retries', (_id, journey) => {
    // Act
    const definition = compileJourney(journey);

    // Assess: journey.failed catches into its own Fail state, never back into itself
    const failed = definition.States[FAILED_STATE]!;
    expect(failed.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.recordError', Next: FAILED_UNRECORDED_STATE }]);
    expect(definition.States[FAILED_UNRECORDED_STATE]).toMatchObject({ Type: 'Fail', Error: 'JourneyFailureUnrecorded' });
    expect(walk({ ...definition, StartAt: FAILED_STATE }, { [FAILED_STATE]: FAILED_UNRECORDED_STATE })).toEqual([FAILED_STATE, FAILED_UNRECORDED_STATE]);
  });

  it('compiles a branch to a Task that evaluates the cases and a Choice on $.last.index', () => {
    // Act
    const { States } = budgetRouter;

    // Assess
    expect(States['route-by-budget']).toMatchObject({
      Type: 'Task',
      Resource: '${journeyStep}',
      ResultPath: '$.last',
      Next: 'route-by-budget.route',
      Parameters: { op: 'branch', stepId: 'route-by-budget', cases: [{ when: ['budget >= 5000'] }] },
    });
    expect(States['route-by-budget.route']).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.last.index', NumericEquals: 0, Next: 'hand-off-to-sales' }],
      Default: 'nurture-1',
    });
  });

  it('writes "happened within" branch cases as seconds for the step handler', () => {
    const journey = journeyOf([
      { id: 'route', type: 'branch', cases: [{ when: [{ happened: 'order_completed', within: '1h', where: ['total > 10'] }], next: 'done' }] },
      { id: 'nudge', type: 'send_email', template: 'cart-reminder-1' },
      { id: 'done', type: 'exit' },
    ]);

    const { States } = compileJourney(journey);

    expect((States.route!.Parameters as { cases: unknown }).cases).toEqual([{ when: [{ happened: 'order_completed', withinSeconds: 3_600, where: ['total > 10'] }] }]);
  });

  it('compiles a wait for an event to a waitForTaskToken task with its timeout and a States.Timeout catch to the timeout branch', () => {
    // Act
    const state = budgetRouter.States['wait-click-4']!;

    // Assess
    expect(state.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(state.TimeoutSeconds).toBe(3 * 86_400);
    expect(state.Parameters).toMatchObject({
      FunctionName: '${journeyStep}',
      Payload: { op: 'registerWait', event: 'email.clicked', where: ['templateId == nurture-4'], timeoutSeconds: 259_200, 'taskToken.$': '$$.Task.Token' },
    });
    expect(state.Next).toBe('demo-offer');
    expect((state.Catch as unknown[])[0]).toEqual({ ErrorEquals: ['States.Timeout'], ResultPath: '$.last', Next: 'sequence-done' });
    expect(timeoutTarget(budgetRouter.States['wait-click-1']!)).toBe('nurture-2');
    // A timeout is the "not clicked" answer, never a failure to retry.
    expect((state.Retry as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals)).not.toContain('States.Timeout');
  });

  it('compiles a random split to a Choice on $.bucket with cumulative thresholds', () => {
    // Prepare
    const journey = journeyOf([
      {
        id: 'ab',
        type: 'split',
        paths: [
          { percent: 20, next: 'a' },
          { percent: 30, next: 'b' },
          { percent: 50, next: 'c' },
        ],
      },
      { id: 'a', type: 'send_email', template: 'welcome', next: 'done' },
      { id: 'b', type: 'send_email', template: 'tips-day-2', next: 'done' },
      { id: 'c', type: 'send_email', template: 'tips-day-5', next: 'done' },
      { id: 'done', type: 'exit' },
    ]);

    // Act
    const { States } = compileJourney(journey);

    // Assess
    expect(States.ab).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.bucket', NumericLessThan: 20, Next: 'a' },
        { Variable: '$.bucket', NumericLessThan: 50, Next: 'b' },
      ],
      Default: 'c',
    });
    expect(aslValidator(substitute(compileJourney(journey), arns)).errors).toEqual([]);
  });

  it('waits out a send window after a deferred send and then tries the send again', () => {
    const { States } = budgetRouter;

    expect(States['nurture-1.deferred?']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.last.outcome', StringEquals: 'deferred', Next: 'nurture-1.window' },
        { Variable: '$.last.outcome', StringEquals: 'unconfirmed', Next: 'nurture-1.confirmation' },
      ],
      Default: 'wait-click-1',
    });
    expect(States['nurture-1.window']).toEqual({ Type: 'Wait', TimestampPath: '$.last.until', Next: 'nurture-1' });
  });

  it('waits for a pending double opt-in\'s consent.confirmed after an unconfirmed send, then tries the send again', () => {
    const { States } = compileJourney(journeys.get('welcome')!);
    const wait = States['welcome-email.confirmation']!;

    expect(States['welcome-email']!.Parameters).toMatchObject({ templateId: 'welcome', awaitConfirmation: true });
    expect(wait).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: '${journeyStep}', Payload: { op: 'awaitConfirmation', stepId: 'welcome-email', 'topic.$': '$.last.topic', timeoutSeconds: 30 * 86_400, 'taskToken.$': '$$.Task.Token' } },
      TimeoutSeconds: 30 * 86_400,
      Next: 'welcome-email',
    });
    // The wait's outcome goes beside `$.last`, which keeps the send's answer (and its topic) for the exit.
    expect(wait.ResultPath).toBe('$.confirmation');
    expect(timeoutTarget(wait)).toBe('welcome-email.unconfirmed');
    expect(wait.Catch).toContainEqual({ ErrorEquals: ['ConsentNotPending'], ResultPath: '$.confirmation', Next: 'welcome-email' });
    expect(States['welcome-email.unconfirmed']).toMatchObject({
      Type: 'Task',
      Resource: '${journeyStep}',
      Parameters: { op: 'exitUnconfirmed', stepId: 'welcome-email', 'topic.$': '$.last.topic', waitedSeconds: 30 * 86_400 },
      End: true,
    });
  });

  it('bounds the wait for a confirmation by the journey\'s await_confirmation.within', () => {
    const journey = loadJourneys({
      'j.yaml': { id: 'j', name: 'J', triggers: [{ on: 'webhook' }], await_confirmation: { within: '7d' }, steps: [{ id: 'hello', type: 'send_email', template: 'welcome' }] },
    }).get('j')!;

    const { States } = compileJourney(journey);

    expect(States['hello.confirmation']).toMatchObject({ TimeoutSeconds: 7 * 86_400, Parameters: { Payload: { timeoutSeconds: 7 * 86_400 } } });
    expect(() => loadJourneys({ 'j.yaml': { id: 'j', name: 'J', triggers: [{ on: 'webhook' }], await_confirmation: { within: '0d' }, steps: [{ id: 'x', type: 'exit' }] } })).toThrow('must be longer than zero');
  });

  it('compiles a calendar wait to a step that computes the next local midnight and a Wait on its timestamp', () => {
    const definition = compileJourney(journeyOf([{ id: 'tomorrow', type: 'wait', duration: '1d', calendar: true }, { id: 'hello', type: 'send_email', template: 'welcome' }]));

    expect(definition.States.tomorrow).toMatchObject({ Type: 'Task', Resource: '${journeyStep}', Parameters: { op: 'waitUntil', calendarDays: 1, timezone: 'UTC' }, Next: 'tomorrow.wait' });
    expect(definition.States['tomorrow.wait']).toEqual({ Type: 'Wait', TimestampPath: '$.last.until', Next: 'hello' });
    expect(() => journeyOf([{ id: 'soon', type: 'wait', duration: '12h', calendar: true }])).toThrow('a calendar wait lasts whole days');
  });

  it('passes an update-contact step\'s stage to the step handler', () => {
    const definition = compileJourney(journeyOf([{ id: 'recycle', type: 'update_contact', stage: 'recycled', add_tags: ['recycled'] }]));

    expect(definition.States.recycle!.Parameters).toMatchObject({ op: 'updateContact', stage: 'recycled', addTags: ['recycled'] });
  });

  it('ends a journey whose last step is a send in a shared Succeed state', () => {
    expect(budgetRouter.States['rep-will-call.deferred?']!.Default).toBe(END_STATE);
    expect(budgetRouter.States[END_STATE]).toEqual({ Type: 'Succeed' });
  });

  it('replaces every function placeholder with substitute() and lists the functions a journey uses', () => {
    // Act
    const definition = substitute(budgetRouter, arns);

    // Assess
    const text = JSON.stringify(definition);
    expect(text).not.toContain('${');
    expect(text).toContain(arns.sendEmail);
    expect(text).toContain(arns.handOff);
    expect(text).toContain(arns.journeyStep);
    expect(functionsUsed(budgetRouter)).toEqual(['sendEmail', 'handOff', 'journeyStep']);
    expect(functionsUsed(compileJourney(journeys.get('cart-recovery')!))).toEqual(['sendEmail', 'journeyStep']);
  });

  it('counts the state transitions of budget-router\'s paths', () => {
    // Act
    const sales = walk(budgetRouter, { 'route-by-budget.route': 'hand-off-to-sales' });
    const nurtureUnclicked = walk(budgetRouter, {
      'route-by-budget.route': 'nurture-1',
      'wait-click-1': timeoutTarget(budgetRouter.States['wait-click-1']!),
      'wait-click-2': timeoutTarget(budgetRouter.States['wait-click-2']!),
      'wait-click-3': timeoutTarget(budgetRouter.States['wait-click-3']!),
      'wait-click-4': timeoutTarget(budgetRouter.States['wait-click-4']!),
    });
    const clickedFirst = walk(budgetRouter, { 'route-by-budget.route': 'nurture-1' });

    // Assess
    expect(sales).toEqual(['route-by-budget', 'route-by-budget.route', 'hand-off-to-sales', 'rep-will-call', 'rep-will-call.deferred?', END_STATE]);
    expect(nurtureUnclicked).toEqual([
      'route-by-budget',
      'route-by-budget.route',
      ...[1, 2, 3, 4].flatMap((n) => [`nurture-${n}`, `nurture-${n}.deferred?`, `wait-click-${n}`]),
      'sequence-done',
    ]);
    expect(clickedFirst).toEqual(['route-by-budget', 'route-by-budget.route', 'nurture-1', 'nurture-1.deferred?', 'wait-click-1', 'demo-offer', 'demo-offer.deferred?', 'offer-sent']);
    expect({ sales: sales.length, nurtureUnclicked: nurtureUnclicked.length, clickedFirst: clickedFirst.length }).toEqual({ sales: 6, nurtureUnclicked: 15, clickedFirst: 8 });
  });
});
