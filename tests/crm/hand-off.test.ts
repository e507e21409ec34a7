import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeHandOffWorker } from '../../functions/crm/hand-off-worker';
import { SqsHandOffQueue } from '../../functions/crm/sqs-hand-off-queue';
import { CrmHandOffInProgress, CrmRejected, CrmUnavailable } from '../../functions/crm/errors';
import { HAND_OFF_LEASE_MS, handOff } from '../../functions/crm/hand-off';
import { makeHandOffTask } from '../../functions/crm/hand-off-task';
import { crmKeys, DynamoCrmStore } from '../../functions/crm/dynamo-crm-store';
import { HubSpotCrm } from '../../functions/crm/hubspot';
import type { CrmAdapter } from '../../functions/crm/ports';
import { keys } from '../../functions/shared/keys';
import { HAND_OFF_BUSY } from '../../functions/shared/tasks';
import { functions } from '../../lib/functions';
import { startCrmQueue, type CrmQueue, type DeadLetter } from '../../local/crm-queue';
import type { CrmReceiver } from '../../local/crm-receiver';
import { createTestTable, type TestTable } from '../support/table';
import { clock, handOffDepsFor, injectFault, localSqs, newContact, setStage, sqsDelivery, startCrmReceiver } from './support';

let table: TestTable;
let receiver: CrmReceiver;
/** The CRM hand-off queue the journey step parks hand-offs in, delivering to the real worker (2 deliveries). */
let queue: CrmQueue;
const parked: DeadLetter[] = [];

beforeAll(async () => {
  table = await createTestTable();
  receiver = await startCrmReceiver();
  const deps = handOffDepsFor(table, receiver, { retry: { attempts: 1 } });
  const worker = makeHandOffWorker({ ...deps, crm: async () => deps.crm, maxReceives: 2 });
  queue = await startCrmQueue({ worker, region: 'us-east-1', account: '000000000000', retryDelayMs: 10, maxReceives: 2, onDeadLetter: (e) => parked.push(e) });
});
afterAll(async () => {
  await queue.close();
  await receiver.close();
});
beforeEach(async () => {
  await fetch(`${receiver.url}/dev/crm`, { method: 'DELETE' });
  parked.length = 0;
});

/** The journeys' hand-off task, parking in the local queue. */
const taskFor = (overrides: Parameters<typeof handOffDepsFor>[2] = {}, crm?: () => Promise<HubSpotCrm | undefined>) => {
  const deps = handOffDepsFor(table, receiver, overrides);
  return makeHandOffTask({ ...deps, crm: crm ?? (async () => deps.crm as HubSpotCrm), parking: new SqsHandOffQueue(localSqs(queue.endpoint), queue.queueUrl) });
};

const eventsOf = async (contactId: string, type: string) =>
  (await table.partition(keys.profile(contactId).PK)).filter((item) => item.type === type);

/** The contact's hand-off lease item, if one is left. */
const leaseOf = async (contactId: string) =>
  (await table.partition(keys.profile(contactId).PK)).find((item) => item.SK === crmKeys.lease(contactId).SK);

describe('hand-off to HubSpot', () => {
  it('upserts the contact by email with its lifecycle stage and score properties, and leaves a note explaining the score', async () => {
    const contactId = await newContact(table, 'grace@acme.example', { budget: 10000, job_title: 'VP Engineering' });

    const outcome = await handOff({ contactId, idempotencyKey: 'k-1', reason: 'budget ≥ $5,000', source: 'reactor' }, handOffDepsFor(table, receiver));

    const inbox = receiver.inbox();
    expect(outcome).toEqual({ outcome: 'handed_off', crmId: inbox.contacts[0]!.id, provider: 'hubspot' });
    expect(inbox.contacts[0]!.properties).toMatchObject({
      email: 'grace@acme.example',
      firstname: 'Ada',
      lastname: 'Lovelace',
      company: 'Acme',
      jobtitle: 'VP Engineering',
      lifecyclestage: 'subscriber',
      nurture_fit_score: '35',
      nurture_handoff_reason: 'budget ≥ $5,000',
    });
    expect(inbox.contacts[0]!.notes[0]!.body).toContain('Budget of $5,000 or more: +20');
  });

  it('hands off with the stage after the event that caused it, once the reactor has applied that event', async () => {
    const contactId = await newContact(table, 'mql-after-post@acme.example', { budget: 9000 });
    const [post] = await eventsOf(contactId, 'form.submitted');
    let polls = 0;
    // Stands in for the reactor committing the form post a moment later: the stage moves and the event is marked processed.
    const reactorCommits = async () => {
      polls++;
      await setStage(table, contactId, 'mql');
      await table.documentClient.send(
        new UpdateCommand({ TableName: table.tableName, Key: { PK: post!.PK, SK: post!.SK }, UpdateExpression: 'SET processedAt = :at', ExpressionAttributeValues: { ':at': '2026-11-24T12:00:01.000Z' } }),
      );
    };

    await handOff(
      { contactId, idempotencyKey: 'k-after', source: 'journey:budget-router/hand-off-to-sales', afterEventId: String(post!.eventId) },
      { ...handOffDepsFor(table, receiver), settleWait: { polls: 5, pollMs: 1, sleep: reactorCommits } },
    );

    expect(polls).toBe(1);
    expect(receiver.inbox().handOffs).toEqual([expect.objectContaining({ created: true, properties: expect.objectContaining({ lifecyclestage: 'marketingqualifiedlead' }) })]);
  });

  it('stores the CRM id on the contact and records crm.handed_off on its timeline', async () => {
    const contactId = await newContact(table, 'ida@acme.example');
    const { crmId } = (await handOff({ contactId, idempotencyKey: 'k-2', source: 'reactor' }, handOffDepsFor(table, receiver))) as { crmId: string };

    const contact = await new DynamoCrmStore(table.documentClient, table.tableName).contact(contactId);
    expect(contact?.crm).toEqual({ provider: 'hubspot', id: crmId, handedOffAt: '2026-11-24T12:00:00.000Z' });
    expect((await eventsOf(contactId, 'crm.handed_off')).map((e) => e.data)).toEqual([
      { provider: 'hubspot', crmId, source: 'reactor', idempotencyKey: 'k-2' },
    ]);
    expect(await new DynamoCrmStore(table.documentClient, table.tableName).findContact({ provider: 'hubspot', crmId })).toBe(contactId);
  });

  it('keeps one CRM record per contact: a later hand-off updates it', async () => {
    const contactId = await newContact(table, 'joan@acme.example');
    const deps = handOffDepsFor(table, receiver);
    const first = await handOff({ contactId, idempotencyKey: 'k-3a', source: 'reactor' }, deps);
    const second = await handOff({ contactId, idempotencyKey: 'k-3b', source: 'journey:budget-router/hand-off' }, deps);

    expect(second).toEqual(first);
    expect(receiver.inbox().contacts).toHaveLength(1);
    expect(receiver.inbox().handOffs.map((h) => h.created)).toEqual([false, true]);
  });

  it('calls the CRM once per idempotency key, however often it is retried', async () => {
    const contactId = await newContact(table, 'katherine@acme.example');
    const deps = handOffDepsFor(table, receiver);
    await handOff({ contactId, idempotencyKey: 'k-4', source: 'reactor' }, deps);
    await handOff({ contactId, idempotencyKey: 'k-4', source: 'reactor' }, deps);

    expect(receiver.inbox().handOffs).toHaveLength(1);
    expect(receiver.inbox().contacts[0]!.notes).toHaveLength(1);
    expect(await eventsOf(contactId, 'crm.handed_off')).toHaveLength(1);
  });

  it('waits out a 429 with its Retry-After and then hands off', async () => {
    const contactId = await newContact(table, 'margaret@acme.example');
    await injectFault(receiver, { status: 429, times: 1, retryAfter: '0.05' });
    const waits: number[] = [];
    const deps = handOffDepsFor(table, receiver, { retry: { attempts: 3, sleep: async (ms) => void waits.push(ms) } });

    expect((await handOff({ contactId, idempotencyKey: 'k-5', source: 'reactor' }, deps)).outcome).toBe('handed_off');
    expect(waits).toEqual([50]);
  });

  it('throws CrmUnavailable when the CRM keeps failing with 5xx, for the caller to retry later', async () => {
    const contactId = await newContact(table, 'dorothy@acme.example');
    await injectFault(receiver, { status: 503, times: 3 });

    await expect(handOff({ contactId, idempotencyKey: 'k-6', source: 'reactor' }, handOffDepsFor(table, receiver))).rejects.toBeInstanceOf(
      CrmUnavailable,
    );
    expect(await eventsOf(contactId, 'crm.handed_off')).toEqual([]);
  });

  it('leaves a Retry-After longer than its budget to the caller instead of sleeping through it', async () => {
    const contactId = await newContact(table, 'mary@acme.example');
    await injectFault(receiver, { status: 429, times: 1, retryAfter: '120' });

    const error = await handOff({ contactId, idempotencyKey: 'k-7', source: 'reactor' }, handOffDepsFor(table, receiver)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrmUnavailable);
    expect((error as CrmUnavailable).retryAfterMs).toBe(120_000);
  });

  it('refuses for good (CrmRejected) when HubSpot rejects the token', async () => {
    const contactId = await newContact(table, 'radia@acme.example');
    const crm = new HubSpotCrm({ accessToken: 'wrong', baseUrl: receiver.url }, { allowLoopback: true });

    await expect(handOff({ contactId, idempotencyKey: 'k-8', source: 'reactor' }, handOffDepsFor(table, receiver, { crm }))).rejects.toBeInstanceOf(CrmRejected);
  });

  it('does not hand a recycled contact back to sales: sales sent it back to nurture', async () => {
    const contactId = await newContact(table, 'recycled@acme.example', { budget: 10000 });
    await setStage(table, contactId, 'recycled');

    expect(await handOff({ contactId, idempotencyKey: 'k-10', source: 'journey:budget-router/hand-off-to-sales' }, handOffDepsFor(table, receiver))).toEqual({
      outcome: 'skipped',
      reason: 'recycled',
    });
    expect(receiver.inbox().handOffs).toEqual([]);
    expect(await leaseOf(contactId)).toBeUndefined();
  });

  it('hands a recycled contact off again once it re-qualifies (re-enters MQL)', async () => {
    const contactId = await newContact(table, 'requalified@acme.example', { budget: 10000 });
    await setStage(table, contactId, 'mql');

    expect((await handOff({ contactId, idempotencyKey: 'stage-01JREQUALIFIED00000000000', source: 'reactor' }, handOffDepsFor(table, receiver))).outcome).toBe('handed_off');
    expect(receiver.inbox().contacts[0]!.properties).toMatchObject({ lifecyclestage: 'marketingqualifiedlead' });
  });

  it('leaves the rep one note when the journey and the MQL hand the same lead off within minutes, the record carrying the later stage', async () => {
    const contactId = await newContact(table, 'twice@acme.example', { budget: 10000 });
    await handOff({ contactId, idempotencyKey: 'journey/budget-router-x/hand-off-to-sales', reason: 'Budget of $5,000 or more', source: 'journey:budget-router/hand-off-to-sales' }, handOffDepsFor(table, receiver));
    await setStage(table, contactId, 'mql');
    const aMinuteLater = { now: () => new Date(clock.now().getTime() + 60_000) };
    await handOff({ contactId, idempotencyKey: 'stage-01JTWICE000000000000000000', reason: 'score 30 ≥ 30', source: 'reactor' }, handOffDepsFor(table, receiver, { clock: aMinuteLater }));

    const [record] = receiver.inbox().contacts;
    expect(receiver.inbox().contacts).toHaveLength(1);
    expect(record!.notes).toHaveLength(1);
    expect(record!.properties).toMatchObject({ lifecyclestage: 'marketingqualifiedlead', nurture_handoff_reason: 'score 30 ≥ 30' });
  });

  it('leaves a new note for a hand-off long after the last one', async () => {
    const contactId = await newContact(table, 'again@acme.example');
    await handOff({ contactId, idempotencyKey: 'k-11a', source: 'reactor' }, handOffDepsFor(table, receiver));
    const nextDay = { now: () => new Date(clock.now().getTime() + 86_400_000) };
    await handOff({ contactId, idempotencyKey: 'k-11b', source: 'reactor' }, handOffDepsFor(table, receiver, { clock: nextDay }));

    expect(receiver.inbox().contacts[0]!.notes).toHaveLength(2);
  });

  it('skips a contact that does not exist, saying so', async () => {
    expect(await handOff({ contactId: '01JNOSUCHCONTACT0000000000', idempotencyKey: 'k-9', source: 'reactor' }, handOffDepsFor(table, receiver))).toEqual({
      outcome: 'skipped',
      reason: 'no such contact',
    });
  });
});

describe('the journeys hand-off task', () => {
  const input = (contactId: string) => ({
    contactId,
    journeyId: 'budget-router',
    stepId: 'hand-off',
    executionName: `budget-router-${contactId}-01JENTRY000000000000000000`,
    reason: 'budget ≥ $5,000',
  });

  it('takes the HandOffTaskInput and answers the HandOffTaskOutput, one hand-off per execution and step', async () => {
    const contactId = await newContact(table, 'hedy@acme.example', { budget: 9000 });
    const task = taskFor();

    const first = await task(input(contactId));
    const again = await task(input(contactId));

    expect(first).toEqual({ outcome: 'handed_off', crmId: expect.any(String), provider: 'hubspot' });
    expect(again).toEqual(first);
    expect(receiver.inbox().handOffs).toHaveLength(1);
    const [event] = await eventsOf(contactId, 'crm.handed_off');
    expect(event?.data).toMatchObject({ source: 'journey:budget-router/hand-off', reason: 'budget ≥ $5,000' });
  });

  it('skips when no CRM is configured, and records crm.handoff_skipped on the contact so it is never silent', async () => {
    const contactId = await newContact(table, 'nocrm@acme.example', { budget: 9000 });
    const task = taskFor({}, async () => undefined);

    expect(await task(input(contactId))).toEqual({ outcome: 'skipped', reason: 'no CRM configured' });
    await task(input(contactId));
    expect((await eventsOf(contactId, 'crm.handoff_skipped')).map((e) => e.data)).toEqual([
      { reason: 'no CRM configured', source: 'journey:budget-router/hand-off', idempotencyKey: `journey/${input(contactId).executionName}/hand-off` },
    ]);
  });

  it('parks the hand-off in the hand-off queue when the CRM stays down, whose worker records crm.handoff_failed after its last delivery and parks it in the dead-letter queue', async () => {
    const contactId = await newContact(table, 'barbara@acme.example');
    await injectFault(receiver, { status: 502, times: 10 });

    expect(await taskFor()(input(contactId))).toEqual({ outcome: 'queued', reason: expect.stringContaining('CrmUnavailable 502') });
    await queue.idle();

    expect(parked).toEqual([expect.objectContaining({ receives: 2, body: expect.objectContaining({ contactId, source: 'journey:budget-router/hand-off' }) })]);
    expect((await eventsOf(contactId, 'crm.handoff_failed')).map((e) => e.data)).toEqual([
      expect.objectContaining({ provider: 'hubspot', attempts: 2, source: 'journey:budget-router/hand-off' }),
    ]);
  });

  it('hands off later, once, when the CRM comes back while the hand-off is parked', async () => {
    const contactId = await newContact(table, 'annie@acme.example');
    await injectFault(receiver, { status: 503, times: 3 });

    expect((await taskFor()(input(contactId))).outcome).toBe('queued');
    await queue.idle();

    expect(receiver.inbox().handOffs.map((h) => h.email)).toEqual(['annie@acme.example']);
    expect(await eventsOf(contactId, 'crm.handed_off')).toHaveLength(1);
    expect(parked).toEqual([]);
  });

  it('records a refusal as crm.handoff_failed, parks the request in the dead-letter queue without calling the CRM again, and fails the step', async () => {
    const contactId = await newContact(table, 'evelyn@acme.example');
    await injectFault(receiver, { status: 400, times: 1 });

    await expect(taskFor()(input(contactId))).rejects.toMatchObject({ name: 'CrmRejected' });
    await queue.idle();

    expect(await eventsOf(contactId, 'crm.handoff_failed')).toHaveLength(1);
    expect(parked).toEqual([expect.objectContaining({ body: expect.objectContaining({ contactId }) })]);
    expect(receiver.inbox().handOffs).toEqual([]);
  });

  it('rejects an input that is not a HandOffTaskInput', async () => {
    await expect(taskFor()({ contactId: 'x' })).rejects.toThrow();
  });
});

/**
 * The local HubSpot behind a gate: the first upsert signals `entered` and waits for `open()`, holding its hand-off
 * in the middle of its CRM calls; every call is listed in `calls`. It controls the interleaving, never a sleep.
 */
function gatedCrm() {
  const hubspot = handOffDepsFor(table, receiver).crm as HubSpotCrm;
  let open!: () => void;
  let enter!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const entered = new Promise<void>((resolve) => (enter = resolve));
  const calls: string[] = [];
  const adapter: CrmAdapter = {
    provider: hubspot.provider,
    async upsert(lead, idempotencyKey) {
      calls.push(`upsert ${idempotencyKey}`);
      if (calls.filter((c) => c.startsWith('upsert')).length === 1) {
        enter();
        await opened;
      }
      return hubspot.upsert(lead);
    },
    async followUp(crmId, lead, idempotencyKey) {
      calls.push(`followUp ${idempotencyKey}`);
      return hubspot.followUp(crmId, lead);
    },
  };
  return { adapter, calls, entered, open };
}

/** The reactor's view after the scored form post: MQL, and a higher fit score (the job title counts now). */
async function becomesMql(contactId: string) {
  await table.documentClient.send(
    new UpdateCommand({
      TableName: table.tableName,
      Key: keys.profile(contactId),
      UpdateExpression: 'SET stage = :stage, attributes.job_title = :title',
      ExpressionAttributeValues: { ':stage': 'mql', ':title': 'VP Engineering' },
    }),
  );
}

describe('hand-offs of one contact at the same moment', () => {
  const stepInput = (contactId: string) => ({
    contactId,
    journeyId: 'budget-router',
    stepId: 'hand-off-to-sales',
    executionName: `budget-router-${contactId}-01JRACE0000000000000000000`,
    reason: 'Budget of $5,000 or more',
  });
  const mql = (contactId: string) => ({ contactId, idempotencyKey: `stage-${contactId}`, reason: 'score 30 ≥ 30', source: 'reactor' });

  it('run one at a time: the reactor\'s MQL hand-off, arriving while the journey step is in the CRM, calls no CRM and is redelivered, then only updates the record', async () => {
    // Prepare
    const contactId = await newContact(table, 'race@acme.example', { budget: 10000 });
    const gate = gatedCrm();
    const deps = handOffDepsFor(table, receiver, { retry: { attempts: 1 } });
    const step = makeHandOffTask({ ...deps, crm: async () => gate.adapter, parking: new SqsHandOffQueue(localSqs(queue.endpoint), queue.queueUrl) });
    const worker = makeHandOffWorker({ ...deps, crm: async () => gate.adapter, maxReceives: 5 });

    // Act: the step takes the lease and stops in the CRM; meanwhile the post is scored, and the MQL hand-off comes.
    const [stepOutput, firstDelivery] = await Promise.all([
      step(stepInput(contactId)),
      (async () => {
        await gate.entered;
        await becomesMql(contactId);
        const result = await worker(sqsDelivery(mql(contactId), 1, 'm-race'));
        gate.open();
        return result;
      })(),
    ]);
    const callsBeforeRedelivery = [...gate.calls];
    const redelivery = await worker(sqsDelivery(mql(contactId), 2, 'm-race'));

    // Assess
    expect(firstDelivery.batchItemFailures).toEqual([{ itemIdentifier: 'm-race' }]);
    expect(deps.logger.lines).toContainEqual(expect.objectContaining({ message: 'hand-off failed', fields: expect.objectContaining({ error: expect.stringContaining('CrmHandOffInProgress') }) }));
    expect(callsBeforeRedelivery).toEqual([`upsert journey/${stepInput(contactId).executionName}/hand-off-to-sales`, `followUp journey/${stepInput(contactId).executionName}/hand-off-to-sales`]);
    expect(redelivery.batchItemFailures).toEqual([]);
    expect(stepOutput).toEqual({ outcome: 'handed_off', crmId: receiver.inbox().contacts[0]!.id, provider: 'hubspot' });

    const inbox = receiver.inbox();
    expect(inbox.contacts).toHaveLength(1);
    expect(inbox.contacts[0]!.notes).toHaveLength(1);
    expect(inbox.handOffs.map((h) => h.created)).toEqual([false, true]);
    expect(inbox.contacts[0]!.properties).toMatchObject({ lifecyclestage: 'marketingqualifiedlead', nurture_fit_score: '35', nurture_handoff_reason: 'score 30 ≥ 30' });
    // Both at the test clock's one instant: their event ids, hence their order, differ only in the random part.
    expect((await eventsOf(contactId, 'crm.handed_off')).map((e) => (e.data as { source: string }).source).sort()).toEqual([
      'journey:budget-router/hand-off-to-sales',
      'reactor',
    ]);
    expect(await eventsOf(contactId, 'crm.handoff_failed')).toEqual([]);
    expect(await leaseOf(contactId)).toBeUndefined();
  });

  it('run one at a time: the journey step waits in the handler for the reactor\'s hand-off to finish, then only updates the record with the newest stage and score', async () => {
    // Prepare
    const contactId = await newContact(table, 'race-step@acme.example', { budget: 10000 });
    const gate = gatedCrm();
    const deps = handOffDepsFor(table, receiver, { retry: { attempts: 1 } });
    const worker = makeHandOffWorker({ ...deps, crm: async () => gate.adapter, maxReceives: 5 });
    const waits: number[] = [];

    // Act: the reactor's hand-off takes the lease and stops in the CRM; the contact changes; the step comes.
    const workerRun = worker(sqsDelivery(mql(contactId), 1, 'm-race'));
    const step = makeHandOffTask({
      ...deps,
      crm: async () => gate.adapter,
      parking: new SqsHandOffQueue(localSqs(queue.endpoint), queue.queueUrl),
      // The step's wait for the lease: let the reactor's hand-off finish meanwhile.
      leaseWait: { polls: 3, pollMs: 250, sleep: async (ms) => { waits.push(ms); gate.open(); await workerRun; } },
    });
    const [workerResult, stepOutput] = await Promise.all([
      workerRun,
      (async () => {
        await gate.entered;
        await becomesMql(contactId);
        return step(stepInput(contactId));
      })(),
    ]);

    // Assess
    expect(workerResult.batchItemFailures).toEqual([]);
    expect(waits).toEqual([250]);
    const inbox = receiver.inbox();
    expect(stepOutput).toEqual({ outcome: 'handed_off', crmId: inbox.contacts[0]!.id, provider: 'hubspot' });
    expect(inbox.contacts).toHaveLength(1);
    expect(inbox.contacts[0]!.notes).toHaveLength(1);
    expect(gate.calls.filter((c) => c.startsWith('followUp'))).toEqual([`followUp ${mql(contactId).idempotencyKey}`]);
    expect(inbox.contacts[0]!.properties).toMatchObject({ lifecyclestage: 'marketingqualifiedlead', nurture_fit_score: '35' });
    expect(await eventsOf(contactId, 'crm.handed_off')).toHaveLength(2);
    expect(await leaseOf(contactId)).toBeUndefined();
  });

  it('run one at a time when the same MQL hand-off is delivered twice at once: one CRM write, one note, one event', async () => {
    // Prepare
    const contactId = await newContact(table, 'race-twice@acme.example', { budget: 10000 });
    const gate = gatedCrm();
    const deps = handOffDepsFor(table, receiver, { retry: { attempts: 1 } });
    const worker = makeHandOffWorker({ ...deps, crm: async () => gate.adapter, maxReceives: 5 });

    // Act
    const [first, duplicate] = await Promise.all([
      worker(sqsDelivery(mql(contactId), 1, 'm-race')),
      (async () => {
        await gate.entered;
        const result = await worker(sqsDelivery(mql(contactId), 1, 'm-race'));
        gate.open();
        return result;
      })(),
    ]);
    const redelivery = await worker(sqsDelivery(mql(contactId), 2, 'm-race'));

    // Assess
    expect([first.batchItemFailures, duplicate.batchItemFailures, redelivery.batchItemFailures]).toEqual([[], [{ itemIdentifier: 'm-race' }], []]);
    expect(gate.calls).toEqual([`upsert ${mql(contactId).idempotencyKey}`, `followUp ${mql(contactId).idempotencyKey}`]);
    expect(receiver.inbox().contacts[0]!.notes).toHaveLength(1);
    expect(await eventsOf(contactId, 'crm.handed_off')).toHaveLength(1);
    expect(await leaseOf(contactId)).toBeUndefined();
  });

  it('throws the retryable CrmHandOffInProgress without calling the CRM while another hand-off holds the lease, and leaves that lease alone', async () => {
    // Prepare
    const contactId = await newContact(table, 'held@acme.example');
    const store = new DynamoCrmStore(table.documentClient, table.tableName);
    const now = new Date();
    expect(await store.takeHandOffLease({ contactId, owner: 'the-other-hand-off', source: 'reactor', now, until: new Date(now.getTime() + HAND_OFF_LEASE_MS) })).toBe(true);
    const gate = gatedCrm();

    // Act
    const error = await handOff({ contactId, idempotencyKey: 'k-held', source: 'reactor' }, { ...handOffDepsFor(table, receiver), crm: gate.adapter }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(CrmHandOffInProgress);
    expect((error as Error).name).toBe(HAND_OFF_BUSY.error);
    expect(gate.calls).toEqual([]);
    expect(receiver.inbox().handOffs).toEqual([]);
    expect(await eventsOf(contactId, 'crm.handed_off')).toEqual([]);
    expect(await leaseOf(contactId)).toMatchObject({ owner: 'the-other-hand-off', source: 'reactor' });
  });

  it('fails the journey step with CrmHandOffInProgress, for its Retry, when the lease stays held through its wait (never parking it)', async () => {
    // Prepare
    const contactId = await newContact(table, 'held-step@acme.example');
    const store = new DynamoCrmStore(table.documentClient, table.tableName);
    const now = new Date();
    await store.takeHandOffLease({ contactId, owner: 'the-other-hand-off', source: 'reactor', now, until: new Date(now.getTime() + HAND_OFF_LEASE_MS) });
    const gate = gatedCrm();
    const waits: number[] = [];
    const deps = handOffDepsFor(table, receiver);
    const step = makeHandOffTask({
      ...deps,
      crm: async () => gate.adapter,
      parking: new SqsHandOffQueue(localSqs(queue.endpoint), queue.queueUrl),
      leaseWait: { polls: 2, pollMs: 100, sleep: async (ms) => void waits.push(ms) },
    });

    // Act
    await expect(step(stepInput(contactId))).rejects.toMatchObject({ name: 'CrmHandOffInProgress' });
    await queue.idle();

    // Assess
    expect(waits).toEqual([100, 100]);
    expect(gate.calls).toEqual([]);
    expect(receiver.inbox().handOffs).toEqual([]);
    expect(await eventsOf(contactId, 'crm.handoff_failed')).toEqual([]);
  });

  it('is not blocked by a lease a crashed hand-off left behind once it has run out', async () => {
    // Prepare
    const contactId = await newContact(table, 'crashed@acme.example');
    const store = new DynamoCrmStore(table.documentClient, table.tableName);
    const takenAt = new Date(Date.now() - HAND_OFF_LEASE_MS - 1_000);
    await store.takeHandOffLease({ contactId, owner: 'crashed', source: 'reactor', now: takenAt, until: new Date(takenAt.getTime() + HAND_OFF_LEASE_MS) });

    // Act
    const outcome = await handOff({ contactId, idempotencyKey: 'k-crashed', source: 'reactor' }, handOffDepsFor(table, receiver));

    // Assess
    expect(outcome.outcome).toBe('handed_off');
    expect(receiver.inbox().contacts[0]!.notes).toHaveLength(1);
    expect(await leaseOf(contactId)).toBeUndefined();
  });

  it('gives the lease back when the CRM refuses, so the next hand-off need not wait for it to run out', async () => {
    const contactId = await newContact(table, 'refused-lease@acme.example');
    await injectFault(receiver, { status: 400, times: 1 });

    await expect(handOff({ contactId, idempotencyKey: 'k-refused', source: 'reactor' }, handOffDepsFor(table, receiver))).rejects.toBeInstanceOf(CrmRejected);
    expect(await leaseOf(contactId)).toBeUndefined();
    expect((await handOff({ contactId, idempotencyKey: 'k-refused-2', source: 'reactor' }, handOffDepsFor(table, receiver))).outcome).toBe('handed_off');
  });

  it('records a hand-off whose lease ran out and was taken by another meanwhile, leaving that one\'s lease', async () => {
    // Prepare: our lease is taken over as we sit in the CRM (only possible where nothing stops a slow handler).
    const contactId = await newContact(table, 'overrun@acme.example');
    const store = new DynamoCrmStore(table.documentClient, table.tableName);
    const gate = gatedCrm();
    const run = handOff({ contactId, idempotencyKey: 'k-overrun', source: 'reactor' }, { ...handOffDepsFor(table, receiver), crm: gate.adapter });
    await gate.entered;
    const later = new Date(Date.now() + HAND_OFF_LEASE_MS + 1_000);
    expect(await store.takeHandOffLease({ contactId, owner: 'the-next-hand-off', source: 'reactor', now: later, until: new Date(later.getTime() + HAND_OFF_LEASE_MS) })).toBe(true);

    // Act
    gate.open();
    const outcome = await run;

    // Assess
    expect(outcome.outcome).toBe('handed_off');
    expect(await eventsOf(contactId, 'crm.handed_off')).toHaveLength(1);
    expect(await leaseOf(contactId)).toMatchObject({ owner: 'the-next-hand-off' });
  });

  it('holds the lease longer than the hand-off Lambdas may run, so a live holder is never overtaken in AWS', () => {
    expect(HAND_OFF_LEASE_MS).toBeGreaterThanOrEqual(2 * functions.handOff.timeoutSeconds * 1_000);
    expect(HAND_OFF_LEASE_MS).toBeGreaterThanOrEqual(2 * functions.crmHandOffWorker.timeoutSeconds * 1_000);
    // A journey step's retries alone (without the wait inside each try) outlast a lease whose holder crashed.
    expect(HAND_OFF_BUSY.intervalSeconds * HAND_OFF_BUSY.maxAttempts * 1_000).toBeGreaterThan(HAND_OFF_LEASE_MS);
  });
});
