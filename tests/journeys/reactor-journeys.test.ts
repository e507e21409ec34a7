import { randomUUID } from 'node:crypto';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoContacts } from '../../functions/contacts/dynamo-contacts';
import { loadJourneys } from '../../functions/journeys/domain/journey-file';
import { journeyRules } from '../../functions/journeys/domain/rules';
import { DynamoJourneyStore } from '../../functions/journeys/dynamo-journey-store';
import { makeJourneyStatus } from '../../functions/journeys/journey-status';
import { makeJourneyStep } from '../../functions/journeys/journey-step';
import { DynamoDateIndex, makeJourneySweep } from '../../functions/journeys/journey-sweep';
import { journeys } from '../../functions/journeys/journeys';
import { executionArn, SfnJourneys } from '../../functions/journeys/sfn-journeys';
import { DynamoReactorStore } from '../../functions/reactor/dynamo-reactor-store';
import { react, type ReactorDeps } from '../../functions/reactor/reactor';
import { lifecycle, scoringRules, stageRankOf } from '../../functions/scoring/domain/content';
import { scoringRule } from '../../functions/scoring/domain/lifecycle-rule';
import { EventName } from '../../functions/shared/events';
import { deterministicId } from '../../functions/shared/ids';
import { keys } from '../../functions/shared/keys';
import type { NewTimelineEvent, TimelineEvent } from '../../functions/shared/timeline';
import type { AslDefinition } from '../../lib/journeys/compiler';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../local/stepfunctions';
import { memoryLogger } from '../support/http';
import { contactsOnTestTable } from '../support/contacts';
import type { TestTable } from '../support/table';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const PREFIX = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:journey-`;
const lambda = (fn: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`;

/**
 * Stand-in state machines, one per journey name: budget-router parks on a wait for a click through the real
 * journey step handler (registerWait); the others wait a year, so they stay running until stopped.
 */
const parkOnClick: AslDefinition = {
  Comment: 'waits for a click on nurture-1',
  StartAt: 'wait-click-1',
  States: {
    'wait-click-1': {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: lambda('journeyStep'),
        Payload: {
          op: 'registerWait',
          'contactId.$': '$.contactId',
          journeyId: 'budget-router',
          stepId: 'wait-click-1',
          'executionName.$': '$.executionName',
          event: 'email.clicked',
          where: ['templateId == nurture-1'],
          timeoutSeconds: 3 * 86_400,
          'taskToken.$': '$$.Task.Token',
        },
      },
      TimeoutSeconds: 30 * 86_400,
      ResultPath: '$.last',
      Next: 'clicked',
    },
    clicked: { Type: 'Succeed' },
  },
};
const aYear: AslDefinition = { Comment: 'a year', StartAt: 'year', States: { year: { Type: 'Wait', Seconds: 365 * 86_400, End: true } } };

/** A journey of this test's own, started by entering the `lead` stage (no shipped journey has such a trigger). */
const leadJourneys = loadJourneys({
  'lead-welcome.yaml': {
    id: 'lead-welcome',
    name: 'Lead welcome',
    triggers: [{ on: 'stage_entered', stage: 'lead' }],
    steps: [{ id: 'hello', type: 'send_email', template: 'welcome' }],
  },
});

let table: TestTable;
let contacts: DynamoContacts;
let store: DynamoJourneyStore;
let sfn: LocalStepFunctions;
let client: SFNClient;

beforeAll(async () => {
  ({ table, contacts } = await contactsOnTestTable());
  store = new DynamoJourneyStore(table.documentClient, table.tableName);
  const journeyStep = makeJourneyStep({ store, webhooks: { post: async () => ({ status: 204 }) }, clock: { now: () => new Date() }, logger: memoryLogger() });
  const journeyStatus = makeJourneyStatus({ store, logger: memoryLogger() });
  sfn = await startLocalStepFunctions({
    port: 0,
    region: REGION,
    account: ACCOUNT,
    stateMachines: new Map([...journeys.keys(), ...leadJourneys.keys()].map((id) => [`journey-${id}`, id === 'budget-router' ? parkOnClick : aYear])),
    invoke: async (key, input) => {
      if (key !== 'journeyStep') throw new Error(`unexpected function ${key}`);
      return journeyStep(input);
    },
    onStatusChange: (event) => journeyStatus(event),
  });
  client = new SFNClient({ endpoint: sfn.endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await sfn?.stop();
});

function reactorDeps(): ReactorDeps {
  return {
    store: new DynamoReactorStore(table.documentClient, table.tableName),
    journeys: new SfnJourneys(client, PREFIX),
    clock: { now: () => new Date() },
    logger: memoryLogger(),
    // Only the journeys' rules: scoring and email rules are tested by their capabilities.
    rules: [journeyRules(journeys, stageRankOf)],
  };
}

/** A contact who just submitted a form; returns its id and the stored form.submitted event. */
async function submitted(formId: string, fields: Record<string, string | number> = {}): Promise<{ contactId: string; event: TimelineEvent }> {
  const email = `${randomUUID()}@acme.example`;
  const { contactId, eventId } = await contacts.recordSubmission(email, { formId, fields: { email, ...fields }, utm: {} }, new Date());
  return { contactId, event: (await timeline(contactId)).find((e) => e.eventId === eventId)! };
}

async function timeline(contactId: string): Promise<TimelineEvent[]> {
  return [...(await contacts.timeline(contactId, { limit: 100 })).items];
}

async function appended(contactId: string, event: NewTimelineEvent): Promise<TimelineEvent> {
  const outcome = await contacts.appendEvent(contactId, event);
  if (outcome.type !== 'Appended') throw new Error(outcome.type);
  return outcome.event;
}

/** Clears contact attributes as an update-contact step does, and returns the `contact.updated` event it appended. */
async function cleared(contactId: string, ...attributes: string[]): Promise<TimelineEvent> {
  const at = new Date();
  const eventId = deterministicId(at, `clear#${contactId}#${attributes.join()}`);
  await store.updateContact(contactId, { set: {}, cleared: attributes, addedTags: [], removedTags: [] }, eventId, at.toISOString());
  return (await timeline(contactId)).find((e) => e.eventId === eventId)!;
}

function sweepOf() {
  return makeJourneySweep({ journeys, dates: new DynamoDateIndex(table.documentClient, table.tableName), store, clock: { now: () => new Date() }, logger: memoryLogger() });
}

async function status(journeyId: string, executionName: string) {
  return (await client.send(new DescribeExecutionCommand({ executionArn: executionArn(PREFIX, journeyId, executionName) }))).status;
}

/** Polls until `check` holds (the execution runs on its own); fails after a generous bound, never on speed. */
async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition never held');
}

describe('the reactor running journeys through Step Functions', () => {
  it('enrols a demo request in budget-router once, resumes it on the click it waits for, and records its completion', async () => {
    // Prepare
    const { contactId, event } = await submitted('demo-request', { budget: 2000 });
    const deps = reactorDeps();

    // Act: the form event, delivered twice
    const first = await react(event, deps);
    const again = await react(event, deps);

    // Assess: one execution, one membership, one journey.entered
    expect(first.type).toBe('Applied');
    expect(again).toEqual({ type: 'AlreadyProcessed' });
    const membership = await store.membership(contactId, 'budget-router');
    expect(membership).toMatchObject({ status: 'running', entries: 1 });
    expect(await status('budget-router', membership!.executionName)).toBe('RUNNING');
    expect((await timeline(contactId)).filter((e) => e.type === EventName.JourneyEntered)).toHaveLength(1);
    expect(sfn.executions().filter((e) => e.name === membership!.executionName)).toHaveLength(1);

    // Prepare: the execution registered its wait through the step handler
    const waitKey = `WAIT#${membership!.executionName}#wait-click-1`;
    await eventually(async () => (await table.partition(`CONTACT#${contactId}`)).find((item) => item.SK === waitKey));

    // Act: a click on another email, then on nurture-1
    const otherClick = await appended(contactId, {
      type: EventName.EmailClicked,
      occurredAt: new Date().toISOString(),
      data: { messageId: 'm-2', templateId: 'nurture-2', url: 'https://acme.example/', linkIndex: 0, machine: false },
    });
    await react(otherClick, deps);
    const stillRunning = await status('budget-router', membership!.executionName);
    const click = await appended(contactId, {
      type: EventName.EmailClicked,
      occurredAt: new Date().toISOString(),
      data: { messageId: 'm-1', templateId: 'nurture-1', url: 'https://acme.example/demo', linkIndex: 0, machine: false },
    });
    await react(click, deps);
    await sfn.idle();

    // Assess
    expect(stillRunning).toBe('RUNNING');
    expect(await status('budget-router', membership!.executionName)).toBe('SUCCEEDED');
    expect((await table.partition(`CONTACT#${contactId}`)).find((item) => item.SK === waitKey)).toBeUndefined();
    // The completion is recorded by the status-change handler, called after the execution has ended (idle() only
    // waits for the end, and the execution may have ended before it was called).
    const completed = await eventually(async () => {
      const recorded = await store.membership(contactId, 'budget-router');
      return recorded?.status === 'completed' ? recorded : undefined;
    });
    expect(completed).toMatchObject({ status: 'completed' });
    expect((await timeline(contactId)).filter((e) => e.type === EventName.JourneyCompleted)).toHaveLength(1);
  });

  it('stops a running journey when the contact unsubscribes from its topic and records the exit', async () => {
    // Prepare
    const { contactId, event } = await submitted('demo-request', { budget: 2000 });
    const deps = reactorDeps();
    await react(event, deps);
    const { executionName } = (await store.membership(contactId, 'budget-router'))!;

    // Act
    const unsubscribe = await appended(contactId, { type: EventName.EmailUnsubscribed, occurredAt: new Date().toISOString(), data: { topic: 'nurture', source: 'one-click' } });
    await react(unsubscribe, deps);
    await sfn.idle();

    // Assess
    expect(await status('budget-router', executionName)).toBe('ABORTED');
    expect(await store.membership(contactId, 'budget-router')).toMatchObject({ status: 'exited', endReason: 'unsubscribed' });
    const exits = (await timeline(contactId)).filter((e) => e.type === EventName.JourneyExited);
    expect(exits).toEqual([expect.objectContaining({ data: expect.objectContaining({ reason: 'unsubscribed', executionName }) })]);
  });

  it('indexes trial_ends_at, and the daily sweep enrols the contact in trial-expiry three days before, once', async () => {
    // Prepare: the form event carries trial_ends_at; reacting to it indexes the date
    const { contactId, event } = await submitted('newsletter', { trial_ends_at: '2027-03-10' });
    const deps = reactorDeps();
    await react(event, deps);
    const sweep = makeJourneySweep({
      journeys,
      dates: new DynamoDateIndex(table.documentClient, table.tableName),
      store,
      clock: { now: () => new Date() },
      logger: memoryLogger(),
    });

    // Act
    const dayBefore = await sweep({ day: '2027-03-06' });
    const first = await sweep({ day: '2027-03-07' });
    const second = await sweep({ day: '2027-03-07' });

    // Assess
    expect(dayBefore.requested).toBe(0);
    expect(first.requested).toBe(1);
    expect(second.requested).toBe(0);
    const requests = (await timeline(contactId)).filter((e) => e.type === EventName.JourneyEnrollmentRequested);
    expect(requests).toEqual([expect.objectContaining({ data: { journeyId: 'trial-expiry', source: 'date', attribute: 'trial_ends_at', date: '2027-03-10' } })]);

    // Act: the reactor sees the request
    await react(requests[0]!, deps);

    // Assess
    const membership = await store.membership(contactId, 'trial-expiry');
    expect(membership).toMatchObject({ status: 'running' });
    expect(await status('trial-expiry', membership!.executionName)).toBe('RUNNING');
  });

  it('forgets the date index when trial_ends_at is cleared, so the sweep finds nobody and no trial-expiry starts', async () => {
    // Prepare: the date is set and indexed
    const { contactId, event } = await submitted('newsletter', { trial_ends_at: '2027-05-20' });
    const deps = reactorDeps();
    await react(event, deps);
    const indexKey = keys.dateIndex(contactId, 'trial_ends_at').SK;
    const indexedAfterSet = (await table.partition(`CONTACT#${contactId}`)).find((item) => item.SK === indexKey);
    const unrelated = await appended(contactId, { type: EventName.Tracked, occurredAt: new Date().toISOString(), data: { event: 'page_ping', properties: {} } });
    const onUnrelated = await react(unrelated, deps);

    // Act: the date is cleared, then the day three days before it comes
    await react(await cleared(contactId, 'trial_ends_at'), deps);
    const swept = await sweepOf()({ day: '2027-05-17' });

    // Assess
    expect(indexedAfterSet).toMatchObject({ date: '2027-05-20', GSI1PK: 'DATE#trial_ends_at#05-20' });
    expect(onUnrelated).toEqual({ type: 'Applied', decisions: 0 });
    expect((await table.partition(`CONTACT#${contactId}`)).find((item) => item.SK === indexKey)).toBeUndefined();
    expect(swept.requested).toBe(0);
    expect(await store.membership(contactId, 'trial-expiry')).toBeUndefined();
  });

  it('does not enrol from a sweep request when trial_ends_at was cleared after the sweep read the index', async () => {
    // Prepare: the sweep requests the enrolment, then the date is cleared before the reactor sees the request
    const { contactId, event } = await submitted('newsletter', { trial_ends_at: '2027-06-20' });
    const deps = reactorDeps();
    await react(event, deps);
    expect((await sweepOf()({ day: '2027-06-17' })).requested).toBe(1);
    const request = (await timeline(contactId)).find((e) => e.type === EventName.JourneyEnrollmentRequested)!;
    await react(await cleared(contactId, 'trial_ends_at'), deps);

    // Act
    await react(request, deps);

    // Assess
    expect(await store.membership(contactId, 'trial-expiry')).toBeUndefined();
    expect(sfn.executions().filter((e) => e.name.startsWith(`trial-expiry-${contactId}-`))).toEqual([]);
  });

  it('enrols a contact in a journey triggered by entering a stage, from the stage.changed event scoring appends', async () => {
    // Prepare: scoring moves a first form post to `lead` and appends stage.changed
    const { contactId, event } = await submitted('newsletter');
    const deps = { ...reactorDeps(), rules: [scoringRule(scoringRules, lifecycle), journeyRules(leadJourneys, stageRankOf)] };
    await react(event, deps);
    const stageChanged = (await timeline(contactId)).find((e) => e.type === EventName.StageChanged);

    // Act
    await react(stageChanged!, deps);

    // Assess
    expect(stageChanged?.data).toMatchObject({ to: 'lead' });
    const membership = await store.membership(contactId, 'lead-welcome');
    expect(membership).toMatchObject({ status: 'running', entries: 1, executionName: `lead-welcome-${contactId}-${stageChanged!.eventId}` });
    expect(await status('lead-welcome', membership!.executionName)).toBe('RUNNING');
  });

  it('deletes the waits of a journey the contact leaves, so a later matching click resumes nothing', async () => {
    // Prepare: budget-router waits for a click on nurture-1
    const { contactId, event } = await submitted('demo-request', { budget: 2000 });
    const deps = reactorDeps();
    await react(event, deps);
    const { executionName } = (await store.membership(contactId, 'budget-router'))!;
    const waitKey = `WAIT#${executionName}#wait-click-1`;
    await eventually(async () => (await table.partition(`CONTACT#${contactId}`)).find((item) => item.SK === waitKey));

    // Act: the contact unsubscribes, then clicks the link the journey waited for
    const unsubscribe = await appended(contactId, { type: EventName.EmailUnsubscribed, occurredAt: new Date().toISOString(), data: { topic: 'all', source: 'one-click' } });
    await react(unsubscribe, deps);
    const waitsAfterExit = (await table.partition(`CONTACT#${contactId}`)).filter((item) => String(item.SK).startsWith('WAIT#'));
    const click = await appended(contactId, {
      type: EventName.EmailClicked,
      occurredAt: new Date().toISOString(),
      data: { messageId: 'm-1', templateId: 'nurture-1', url: 'https://acme.example/demo', linkIndex: 0, machine: false },
    });
    const onClick = await react(click, deps);

    // Assess
    expect(waitsAfterExit).toEqual([]);
    expect(onClick).toEqual({ type: 'Applied', decisions: 0 });
    expect(await store.membership(contactId, 'budget-router')).toMatchObject({ status: 'exited', endReason: 'unsubscribed' });
  });

  it('deletes the waits of an execution ended through the enrolments API (the journey store\'s finish)', async () => {
    // Prepare
    const { contactId, event } = await submitted('demo-request', { budget: 2000 });
    await react(event, reactorDeps());
    const { executionName } = (await store.membership(contactId, 'budget-router'))!;
    const waitKey = `WAIT#${executionName}#wait-click-1`;
    await eventually(async () => (await table.partition(`CONTACT#${contactId}`)).find((item) => item.SK === waitKey));

    // Act
    await store.finish(contactId, 'budget-router', executionName, 'exited', {
      eventId: `${executionName}.exit.api`,
      contactId,
      occurredAt: new Date().toISOString(),
      type: EventName.JourneyExited,
      data: { journeyId: 'budget-router', executionName, reason: 'api', detail: 'DELETE enrolment' },
    });

    // Assess
    const items = await table.partition(`CONTACT#${contactId}`);
    expect(items.filter((item) => String(item.SK).startsWith('WAIT#'))).toEqual([]);
    expect(await store.membership(contactId, 'budget-router')).toMatchObject({ status: 'exited' });
    expect((await timeline(contactId)).filter((e) => e.type === EventName.JourneyExited)).toHaveLength(1);
  });
});
