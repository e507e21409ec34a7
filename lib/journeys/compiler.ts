import { createHash } from 'node:crypto';
import { HAND_OFF_BUSY, RETRYABLE_TASK_ERRORS } from '../../functions/shared/tasks';
import { successors, type Journey, type Step, type StepOf } from '../../functions/journeys/domain/journey-file';
import { RESUME_ENTRY, resumeStateOf, versionComment } from '../../functions/journeys/domain/versions';

/**
 * The journey compiler: a journey file in, Amazon States Language out. Pure and deterministic, so the same ASL
 * goes to `cdk deploy` and to the local runtime. JSONPath only (no JSONata, no `Assign`): the local engine runs
 * neither. Task resources are `${<functionKey>}` placeholders that CDK fills with function ARNs
 * (DefinitionSubstitutions) and the local Step Functions endpoint maps back to registry keys.
 *
 * Cost is state transitions, so the compiler adds states only where the language needs them: a Choice after a
 * send (to wait out a send window), a Choice after a branch evaluation, one Wait per wait. Every Task retries
 * transient errors with backoff and jitter and catches everything else into a failure path that records the
 * error on the contact's timeline.
 *
 * Execution input: `{ contactId, journeyId, executionName, bucket, trigger }` (see journeyInput); a contact migrated
 * from an older version (`on_change: migrate`) also carries `resume: { state, until?, remainingSeconds? }`, which the
 * entry Choice of such a journey routes on: to any step, or to a wait step's `.resume` form that waits what was left.
 */

export type AslState = Record<string, unknown>;
export interface AslDefinition {
  readonly Comment: string;
  readonly StartAt: string;
  readonly States: Record<string, AslState>;
  readonly TimeoutSeconds?: number;
}

/** The functions journeys call, by registry key. */
export const JOURNEY_TASK_FUNCTIONS = ['sendEmail', 'sendSms', 'handOff', 'journeyStep'] as const;
export type JourneyTaskFunction = (typeof JOURNEY_TASK_FUNCTIONS)[number];

export const placeholder = (fn: JourneyTaskFunction) => `\${${fn}}`;

/** Reserved state names: step ids cannot contain dots, so these never collide with a step. */
export const END_STATE = 'journey.end';
export const FAILED_STATE = 'journey.failed';
export const FAILED_END_STATE = 'journey.failed.end';
/** Reached when even recording the failure failed after its retries: the execution still ends failed. */
export const FAILED_UNRECORDED_STATE = 'journey.failed.unrecorded';

const LAMBDA_TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.Unknown',
];

const retry = [
  {
    ErrorEquals: [...LAMBDA_TRANSIENT, ...RETRYABLE_TASK_ERRORS],
    IntervalSeconds: 2,
    MaxAttempts: 6,
    BackoffRate: 2,
    MaxDelaySeconds: 300,
    JitterStrategy: 'FULL',
  },
  { ErrorEquals: [HAND_OFF_BUSY.error], IntervalSeconds: HAND_OFF_BUSY.intervalSeconds, MaxAttempts: HAND_OFF_BUSY.maxAttempts, BackoffRate: 1 },
];

const catchAll = { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: FAILED_STATE };

/** A year: Standard workflows may run up to one; long nurture programs restart rather than exceed it. */
const EXECUTION_TIMEOUT_SECONDS = 365 * 24 * 3_600;

export function compileJourney(journey: Journey): AslDefinition {
  const states: Record<string, AslState> = {};
  /** The `.resume` forms of wait steps, compiled under `on_change: migrate` only (they cost nothing unless entered). */
  const resumeStates: Record<string, AslState> = {};
  const migrate = journey.on_change.policy === 'migrate';
  let needsEnd = false;

  /** `Next: <step>` or `End: true` for Task/Wait states; Choice targets need a state, so they get END_STATE. */
  const goTo = (target: string | undefined): AslState => (target === undefined ? { End: true } : { Next: target });
  const choiceTarget = (target: string | undefined): string => {
    if (target !== undefined) return target;
    needsEnd = true;
    return END_STATE;
  };

  const context = (step: Step) => ({
    'contactId.$': '$.contactId',
    journeyId: journey.id,
    stepId: step.id,
    'executionName.$': '$.executionName',
    'now.$': '$$.State.EnteredTime',
  });
  const task = (fn: JourneyTaskFunction, parameters: Record<string, unknown>, rest: AslState): AslState => ({
    Type: 'Task',
    Resource: placeholder(fn),
    Parameters: parameters,
    ResultPath: '$.last',
    Retry: retry,
    Catch: [catchAll],
    ...rest,
  });

  journey.steps.forEach((step, index) => {
    const [following] = successors(journey, index);
    switch (step.type) {
      case 'send_email': {
        const check = `${step.id}.deferred?`;
        const wait = `${step.id}.window`;
        const confirmation = `${step.id}.confirmation`;
        const unconfirmed = `${step.id}.unconfirmed`;
        const within = journey.await_confirmation.within;
        states[step.id] = task('sendEmail', { ...context(step), templateId: step.template, ...(step.experiment ? { experimentId: step.experiment } : {}), awaitConfirmation: true }, { Next: check });
        states[check] = {
          Type: 'Choice',
          Choices: [
            { Variable: '$.last.outcome', StringEquals: 'deferred', Next: wait },
            { Variable: '$.last.outcome', StringEquals: 'unconfirmed', Next: confirmation },
          ],
          Default: choiceTarget(following),
        };
        states[wait] = { Type: 'Wait', TimestampPath: '$.last.until', Next: step.id };
        // A pending double opt-in: wait for its confirmation (resumed by the reactor), then send again. The wait's
        // own outcomes keep `$.last` (the send's answer, naming the topic) for the exit below.
        states[confirmation] = {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: {
            FunctionName: placeholder('journeyStep'),
            Payload: {
              op: 'awaitConfirmation',
              ...context(step),
              'topic.$': '$.last.topic',
              timeoutSeconds: within,
              'taskToken.$': '$$.Task.Token',
            },
          },
          TimeoutSeconds: within,
          ResultPath: '$.confirmation',
          Retry: retry,
          Catch: [
            { ErrorEquals: ['States.Timeout'], ResultPath: '$.confirmation', Next: unconfirmed },
            // Confirmed (or withdrawn) just before the wait was put: the send decides again.
            { ErrorEquals: ['ConsentNotPending'], ResultPath: '$.confirmation', Next: step.id },
            catchAll,
          ],
          Next: step.id,
        };
        states[unconfirmed] = task(
          'journeyStep',
          { op: 'exitUnconfirmed', ...context(step), 'topic.$': '$.last.topic', waitedSeconds: within },
          { End: true },
        );
        return;
      }
      case 'send_sms': {
        // As send_email: a Choice waits out quiet hours (`deferred`) and sends again; any other answer goes on.
        const check = `${step.id}.deferred?`;
        const wait = `${step.id}.quiet`;
        states[step.id] = task(
          'sendSms',
          { ...context(step), templateId: step.template, ...(journey.topic ? { topic: journey.topic } : {}), timezone: journey.timezone },
          { Next: check },
        );
        states[check] = {
          Type: 'Choice',
          Choices: [{ Variable: '$.last.outcome', StringEquals: 'deferred', Next: wait }],
          Default: choiceTarget(following),
        };
        states[wait] = { Type: 'Wait', TimestampPath: '$.last.until', Next: step.id };
        return;
      }
      case 'wait':
        if (step.calendar) {
          // Local midnight depends on the contact's time zone, which only the step handler reads.
          const wait = `${step.id}.wait`;
          states[step.id] = task('journeyStep', { op: 'waitUntil', ...context(step), calendarDays: step.duration / 86_400, timezone: journey.timezone }, { Next: wait });
          states[wait] = { Type: 'Wait', TimestampPath: '$.last.until', ...goTo(following) };
          if (migrate) resumeStates[resumeStateOf(step.id)] = { Type: 'Wait', TimestampPath: '$.resume.until', ...goTo(following) };
          return;
        }
        states[step.id] = { Type: 'Wait', Seconds: step.duration, ...goTo(following) };
        if (migrate) resumeStates[resumeStateOf(step.id)] = { Type: 'Wait', TimestampPath: '$.resume.until', ...goTo(following) };
        return;
      case 'wait_until': {
        const wait = `${step.id}.wait`;
        states[step.id] = task(
          'journeyStep',
          {
            op: 'waitUntil',
            ...context(step),
            ...(step.attribute ? { attribute: step.attribute, offsetSeconds: step.offset } : {}),
            ...(step.window ? { window: step.window } : {}),
            ...(step.at ? { at: step.at } : {}),
            timezone: journey.timezone,
          },
          { Next: wait },
        );
        states[wait] = { Type: 'Wait', TimestampPath: '$.last.until', ...goTo(following) };
        if (migrate) resumeStates[resumeStateOf(step.id)] = { Type: 'Wait', TimestampPath: '$.resume.until', ...goTo(following) };
        return;
      }
      case 'wait_for_event': {
        const [onEvent, onTimeout] = successors(journey, index);
        states[step.id] = {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: {
            FunctionName: placeholder('journeyStep'),
            Payload: {
              op: 'registerWait',
              ...context(step),
              event: step.event,
              where: step.where.map((c) => c.text),
              timeoutSeconds: step.timeout,
              'taskToken.$': '$$.Task.Token',
            },
          },
          TimeoutSeconds: step.timeout,
          ResultPath: '$.last',
          Retry: retry,
          Catch: [
            { ErrorEquals: ['States.Timeout'], ResultPath: '$.last', Next: choiceTarget(onTimeout) },
            catchAll,
          ],
          ...goTo(onEvent),
        };
        if (migrate) {
          // The same wait for what was left of its timeout: TimeoutSecondsPath, and the step handler's wait item expires with it.
          const { TimeoutSeconds: _full, Parameters, ...rest } = states[step.id] as AslState & { Parameters: { Payload: Record<string, unknown> } };
          const { timeoutSeconds: _fullTimeout, ...payload } = Parameters.Payload;
          resumeStates[resumeStateOf(step.id)] = {
            ...rest,
            Parameters: { ...Parameters, Payload: { ...payload, 'timeoutSeconds.$': '$.resume.remainingSeconds' } },
            TimeoutSecondsPath: '$.resume.remainingSeconds',
          };
        }
        return;
      }
      case 'branch': {
        const route = `${step.id}.route`;
        states[step.id] = task('journeyStep', { op: 'branch', ...context(step), cases: step.cases.map(caseSpec) }, { Next: route });
        states[route] = {
          Type: 'Choice',
          Choices: step.cases.map((c, i) => ({ Variable: '$.last.index', NumericEquals: i, Next: c.next })),
          Default: choiceTarget(successors(journey, index).at(-1)),
        };
        return;
      }
      case 'split': {
        let cumulative = 0;
        const paths = step.paths.slice(0, -1).map((path) => {
          cumulative += path.percent;
          return { Variable: '$.bucket', NumericLessThan: cumulative, Next: path.next };
        });
        states[step.id] = { Type: 'Choice', Choices: paths, Default: step.paths.at(-1)!.next };
        return;
      }
      case 'update_contact':
        states[step.id] = task(
          'journeyStep',
          {
            op: 'updateContact',
            ...context(step),
            set: step.set,
            clear: step.clear,
            addTags: step.add_tags,
            removeTags: step.remove_tags,
            ...(step.stage ? { stage: step.stage } : {}),
          },
          goTo(following),
        );
        return;
      case 'hand_off':
        // The trigger's id: the hand-off reads the contact once the reactor has applied that event (score, stage).
        states[step.id] = task('handOff', { ...context(step), 'triggerEventId.$': '$.trigger.eventId', ...(step.reason ? { reason: step.reason } : {}) }, goTo(following));
        return;
      case 'webhook':
        states[step.id] = task('journeyStep', { op: 'webhook', ...context(step), url: step.url }, goTo(following));
        return;
      case 'exit':
        states[step.id] = { Type: 'Succeed' };
        return;
    }
  });

  if (needsEnd) states[END_STATE] = { Type: 'Succeed' };
  states[FAILED_STATE] = {
    Type: 'Task',
    Resource: placeholder('journeyStep'),
    Parameters: {
      op: 'recordFailure',
      'contactId.$': '$.contactId',
      journeyId: journey.id,
      stepId: FAILED_STATE,
      'executionName.$': '$.executionName',
      'now.$': '$$.State.EnteredTime',
      'error.$': '$.error',
    },
    ResultPath: '$.last',
    Retry: retry,
    // No path back to FAILED_STATE: a failure to record ends here instead of looping through the failure path.
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.recordError', Next: FAILED_UNRECORDED_STATE }],
    Next: FAILED_END_STATE,
  };
  states[FAILED_END_STATE] = { Type: 'Fail', Error: 'JourneyStepFailed', Cause: 'A step failed after its retries; see the contact timeline' };
  states[FAILED_UNRECORDED_STATE] = {
    Type: 'Fail',
    Error: 'JourneyFailureUnrecorded',
    Cause: 'A step failed after its retries, and so did recording it on the contact timeline; see the execution history',
  };

  const first = journey.steps[0]!.id;
  // The version is the hash of the states a contact runs through: a change of name, description or policy alone
  // (the Comment, the resume forms) changes no version, so it moves no one.
  const version = createHash('sha256').update(JSON.stringify({ StartAt: first, States: states })).digest('hex').slice(0, 8);
  const comment = versionComment({ journeyId: journey.id, version, policy: journey.on_change.policy, map: journey.on_change.map }, journey.name);
  if (!migrate) return { Comment: comment, StartAt: first, States: states, TimeoutSeconds: EXECUTION_TIMEOUT_SECONDS };

  const targets = [...journey.steps.map((step) => step.id), ...Object.keys(resumeStates)];
  const entry: AslState = {
    Type: 'Choice',
    Choices: [
      { Not: { Variable: '$.resume.state', IsPresent: true }, Next: first },
      ...targets.map((target) => ({ Variable: '$.resume.state', StringEquals: target, Next: target })),
    ],
    Default: first,
  };
  return { Comment: comment, StartAt: RESUME_ENTRY, States: { [RESUME_ENTRY]: entry, ...states, ...resumeStates }, TimeoutSeconds: EXECUTION_TIMEOUT_SECONDS };
}

/** A journey's version: the hash its compiled definition's Comment names (8 hex digits). */
export function journeyVersion(journey: Journey): string {
  return /version ([0-9a-f]{8})/.exec(compileJourney(journey).Comment)![1]!;
}

function caseSpec(c: StepOf<'branch'>['cases'][number]) {
  return {
    when: c.when.map((w) =>
      'text' in w ? w.text : { happened: w.happened, withinSeconds: w.within, where: w.where.map((x) => x.text) },
    ),
  };
}

/** Which registry functions a compiled journey calls. */
export function functionsUsed(definition: AslDefinition): JourneyTaskFunction[] {
  const text = JSON.stringify(definition);
  return JOURNEY_TASK_FUNCTIONS.filter((fn) => text.includes(placeholder(fn)));
}

/** The ASL with every function placeholder replaced (ARNs in CDK, local ARNs in the local runtime). */
export function substitute(definition: AslDefinition, arns: Readonly<Record<JourneyTaskFunction, string>>): AslDefinition {
  let text = JSON.stringify(definition);
  for (const fn of JOURNEY_TASK_FUNCTIONS) text = text.replaceAll(placeholder(fn), arns[fn]);
  return JSON.parse(text) as AslDefinition;
}
